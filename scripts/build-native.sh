#!/usr/bin/env bash
# Builds the optional OpenBLAS addon native/blas/build/Release/imlp_blas.node (src/core/backend/blas.ts)
# from local files only: Debian's libopenblas-dev and the Node headers next to this node (node-gyp
# --nodedir, so it downloads nothing). When it cannot, it prints one line saying why and exits 0: the
# addon is never required. Idempotent: an up-to-date addon is not rebuilt.
set -uo pipefail
cd "$(dirname "$0")/.."
dir=native/blas
out=$dir/build/Release/imlp_blas.node
say() { echo "build-native: $*" >&2; }
skip() { say "skipped, $*; training uses the plain wasm kernels"; exit 0; }

# node-gyp takes --nodedir as the install prefix holding include/node.
nodedir=$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")
[ -f "$nodedir/include/node/node_api.h" ] || skip "no Node headers in $nodedir/include/node"
command -v pkg-config >/dev/null && pkg-config --exists openblas 2>/dev/null \
  || skip "pkg-config finds no OpenBLAS (Debian: apt-get install libopenblas-dev pkg-config)"
command -v cc >/dev/null && command -v c++ >/dev/null && command -v make >/dev/null && command -v python3 >/dev/null \
  || skip "node-gyp needs cc, c++ (it links with it), make and python3"
gyp=$(dirname "$(readlink -f "$(command -v npm)")")/../node_modules/node-gyp/bin/node-gyp.js
[ -f "$gyp" ] || skip "npm's node-gyp not found at $gyp"

if [ -f "$out" ] && [ "$out" -nt $dir/imlp_blas.c ] && [ "$out" -nt $dir/binding.gyp ]; then
  say "up to date: $out"
  exit 0
fi
if ! (cd $dir && node "$gyp" rebuild --nodedir="$nodedir") >$dir/build.log 2>&1; then
  skip "the build failed (log: $dir/build.log)"
fi
say "built $out against OpenBLAS $(pkg-config --modversion openblas)"
