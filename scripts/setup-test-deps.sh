#!/usr/bin/env bash
# Installs what the test suite needs beyond npm packages, idempotently (fast when present):
#   - Debian's dataset-fashion-mnist: the real Fashion-MNIST files the fixture tests rebuild from.
# Without root (or apt) it says what is missing and the tests that need it skip with a message.
set -euo pipefail
need=()
[ -f /usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz ] || need+=(dataset-fashion-mnist)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
  echo "setup-test-deps: not installing ${need[*]} (needs root and apt-get); the tests that use it will skip" >&2
  exit 0
fi
echo "setup-test-deps: installing ${need[*]} from Debian" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null 2>&1 \
  || { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null; }
