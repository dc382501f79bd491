#!/usr/bin/env bash
# Runs the stress suite with a profile (full | short). 10,000 connections need more descriptors
# than the default soft limit: raise it (to the hard limit, or further where we may).
set -euo pipefail
cd "$(dirname "$0")/.."
ulimit -n 1048576 2>/dev/null || ulimit -n "$(ulimit -Hn)"
TOKIO_NET_STRESS="${1:-short}" exec npx ava --config ava.stress.config.mjs "${@:2}"
