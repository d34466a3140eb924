#!/usr/bin/env bash
# The engine's wasm with the bench-api feature (model-by-model exports, src/bench_api.rs), in the
# same profile as the app's build, into bench/out/pkg. The app's own build (www/pkg) never has it.
set -euo pipefail
cd "$(dirname "$0")/.."
PROFILE=${WASM_PROFILE:-wasm-release}
cargo build --profile "$PROFILE" --lib --target wasm32-unknown-unknown --features bench-api
rm -rf bench/out/pkg
wasm-bindgen --target web --out-dir bench/out/pkg --out-name mathsnap \
  "${CARGO_TARGET_DIR:-target}/wasm32-unknown-unknown/$PROFILE/mathsnap.wasm"
