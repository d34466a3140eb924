#!/usr/bin/env bash
# The whole benchmark, one command (`make bench`): fixtures, native stages, the app's wasm build,
# the bench wasm build, browser + peer timings, sizes, then bench/RESULTS.md. Not a test: it
# passes or fails nothing, it measures. Options: RUNS=N (native and browser warm runs).
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-10}
log() { printf '[bench] %s\n' "$*" >&2; }

log "fixtures"
python3 bench/make_fixtures.py >&2
log "native stages"
cargo bench --bench native -- --runs "$RUNS"
log "wasm: the app's build (scripts/build_web.sh), then the bench build"
bash scripts/build_web.sh
bash bench/build_wasm.sh
if [[ ! -d bench/node_modules/onnxruntime-web || bench/package-lock.json -nt bench/node_modules/.package-lock.json ]]; then
  (cd bench && npm ci --no-audit --no-fund)
fi
log "browser"
node bench/browser.mjs --runs "$RUNS"
node bench/sizes.mjs
node bench/report.mjs
log "done: bench/RESULTS.md"
