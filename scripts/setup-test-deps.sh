#!/usr/bin/env bash
# Installs what the test suite needs beyond npm packages, idempotently (fast when present):
#   - Debian's dataset-fashion-mnist: the real Fashion-MNIST files the fixture tests rebuild from.
#   - optionally, Debian's libopenblas-dev (and pkg-config) where this node's headers are, and then the
#     OpenBLAS addon (scripts/build-native.sh) that test/unit/backend-blas.test.ts checks; any failure
#     there only makes those tests skip.
# Without root (or apt) it says what is missing and the tests that need it skip with a message.
set -euo pipefail
need=()
[ -f /usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz ] || need+=(dataset-fashion-mnist)
optional=()
if [ -f "$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")/include/node/node_api.h" ]; then
  command -v pkg-config >/dev/null || optional+=(pkg-config)
  pkg-config --exists openblas 2>/dev/null || optional+=(libopenblas-dev)
fi

install() {
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
    echo "setup-test-deps: not installing $* (needs root and apt-get); the tests that use it will skip" >&2
    return 0
  fi
  echo "setup-test-deps: installing $* from Debian" >&2
  export DEBIAN_FRONTEND=noninteractive
  local apt=(apt-get -o DPkg::Lock::Timeout=120 -y -qq)
  "${apt[@]}" install --no-install-recommends "$@" >/dev/null 2>&1 \
    || { "${apt[@]}" update && "${apt[@]}" install --no-install-recommends "$@" >/dev/null; }
}

[ ${#need[@]} -eq 0 ] || install "${need[@]}"
[ ${#optional[@]} -eq 0 ] || install "${optional[@]}" || echo "setup-test-deps: could not install ${optional[*]}; the OpenBLAS tests will skip" >&2
bash "$(dirname "$0")/build-native.sh"
