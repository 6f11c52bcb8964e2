{
  "targets": [
    {
      "target_name": "imlp_blas",
      "sources": ["imlp_blas.c"],
      "cflags": ["-O2", "-ffp-contract=off", "-fno-math-errno", "<!@(pkg-config --cflags openblas)"],
      "libraries": ["<!@(pkg-config --libs openblas)"]
    }
  ]
}
