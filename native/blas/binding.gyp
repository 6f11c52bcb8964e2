{
  "targets": [
    {
      "target_name": "imlp_blas",
      "sources": ["imlp_blas.c"],
      "cflags": ["-O2", "<!@(pkg-config --cflags openblas)"],
      "libraries": ["<!@(pkg-config --libs openblas)"]
    }
  ]
}
