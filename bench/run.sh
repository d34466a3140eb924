#!/usr/bin/env bash
# The whole benchmark, one command (`make bench`): fixtures, native stages, the app's wasm build,
# the bench wasm build, browser + peer timings, sizes, then bench/RESULTS.md and its comparison
# with the committed one (bench/compare.mjs). Not a test: it passes or fails nothing, it measures.
# Options: RUNS=N (native and browser warm runs).
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-10}
log() { printf '[bench] %s\n' "$*" >&2; }

# The committed RESULTS.md, kept before report.mjs overwrites the working copy; compare.mjs prints
# (and appends to the new RESULTS.md) every figure more than 15 % worse than it. Never fails the run.
mkdir -p bench/out
git show HEAD:bench/RESULTS.md > bench/out/RESULTS.previous.md 2>/dev/null \
  || { rm -f bench/out/RESULTS.previous.md; log "no bench/RESULTS.md committed at HEAD: nothing to compare with"; }
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
log "compare with the previous RESULTS.md"
node bench/compare.mjs --previous bench/out/RESULTS.previous.md --label "bench/RESULTS.md as committed at HEAD" --append \
  || log "compare failed (ignored)"
log "done: bench/RESULTS.md"
