#!/usr/bin/env bash
# Installs what the real-VS-Code test layers need, idempotently (well under a second when present):
#   - Debian packages: chromium (the browser Playwright drives; never downloaded from elsewhere),
#     libkrb5-dev + pkg-config (code-server's kerberos module builds from source), ripgrep;
#   - code-server 4.100.3 (VS Code 1.100.3, the last release for Node 20) into the git-ignored
#     .vscode-test/code-server, with @vscode/ripgrep's download cache seeded from Debian's rg (its own
#     download needs api.github.com) and npm_config_yes / --unsafe-perm (root) for node-pty's build.
# See ../shared/notes/vscode-e2e.md §2. Usage: bash scripts/setup-vscode-test.sh [dest-folder]
# Without root or apt-get, missing Debian packages are reported and the script fails.
set -euo pipefail
cd "$(dirname "$0")/.."
DEST=${1:-.vscode-test/code-server}
V=4.100.3
RG_VERSION=1.15.11   # @vscode/ripgrep in code-server 4.100.3's shrinkwrap
RG_ASSET=ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz
BIN="$DEST/node_modules/.bin/code-server"
say() { echo "setup-vscode-test: $*" >&2; }

need=()
for p in chromium libkrb5-dev pkg-config ripgrep; do dpkg -s "$p" >/dev/null 2>&1 || need+=("$p"); done
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
    say "missing Debian packages: ${need[*]} (installing them needs root and apt-get)"; exit 1
  fi
  say "installing ${need[*]} from Debian"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null 2>&1 \
    || { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null; }
fi
[ -x /usr/bin/chromium ] || { say "/usr/bin/chromium is missing after installing chromium"; exit 1; }

# Even `code-server --version` writes under $HOME unless told otherwise.
XDG_TMP=$(mktemp -d); trap 'rm -rf "$XDG_TMP"' EXIT
export XDG_CONFIG_HOME="$XDG_TMP/config" XDG_DATA_HOME="$XDG_TMP/data"
if [ -x "$BIN" ] && "$BIN" --config /dev/null --version 2>/dev/null | grep -q "^$V "; then
  exit 0
fi

arch=$(uname -m)
[ "$arch" = x86_64 ] || { say "only x86_64 is set up here (the ripgrep cache seed is for x86_64), not $arch"; exit 1; }
# Seed @vscode/ripgrep's download cache with Debian's rg.
RG_CACHE="$(node -p 'require("os").tmpdir()')/vscode-ripgrep-cache-$RG_VERSION"
if [ ! -f "$RG_CACHE/$RG_ASSET" ]; then
  say "seeding $RG_CACHE/$RG_ASSET from /usr/bin/rg"
  mkdir -p "$RG_CACHE"; t=$(mktemp -d)
  cp /usr/bin/rg "$t/rg"; tar czf "$RG_CACHE/$RG_ASSET" -C "$t" rg; rm -rf "$t"
fi

say "installing code-server@$V into $DEST (about 70 s with a cold npm cache; log: $DEST/install.log)"
mkdir -p "$DEST"
cd "$DEST"
[ -f package.json ] || echo '{"name":"code-server-host","private":true}' > package.json
start=$(date +%s)
npm_config_yes=true npm install "code-server@$V" --unsafe-perm --foreground-scripts --no-audit --no-fund \
  > install.log 2>&1 || { tail -40 install.log >&2; say "npm install code-server@$V failed"; exit 1; }
"./node_modules/.bin/code-server" --config /dev/null --version 2>/dev/null | grep -q "^$V " \
  || { say "code-server installed but does not report version $V"; exit 1; }
say "code-server@$V installed in $(( $(date +%s) - start )) s"
