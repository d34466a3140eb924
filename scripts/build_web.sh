#!/usr/bin/env bash
# Build the mathsnap web app into www/:
#   www/pkg/          wasm-bindgen output (mathsnap.js + mathsnap_bg.wasm)       [git-ignored]
#   www/models/       models/* with int8 weight storage (manifest.json + .onnx)    [git-ignored]
#   www/vendor/katex/ copy of node_modules/katex/dist (js, css, fonts)            [git-ignored]
#   www/precache.json list of files for the service worker + a content version    [git-ignored]
# Installs what is missing: the wasm32 target, wasm-bindgen-cli 0.2.130, npm packages.
# Options: SKIP_NPM=1 (do not run npm ci), SKIP_WASM=1 (keep the existing www/pkg); CARGO_TARGET_DIR is honoured;
# MODELS_DIR=dir copies the models from dir instead of models/ (converted to int8 weight storage).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
WB_VERSION=0.2.130
log() { printf '[build_web] %s\n' "$*" >&2; }

# --- npm packages (KaTeX, playwright-core, axe-core) ---
if [[ "${SKIP_NPM:-0}" != 1 ]]; then
  if [[ ! -d node_modules/katex || ! -d node_modules/playwright-core || package-lock.json -nt node_modules/.package-lock.json ]]; then
    log "npm ci"
    npm ci --no-audit --no-fund
  fi
fi

# --- wasm ---
if [[ "${SKIP_WASM:-0}" != 1 ]]; then
  if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
    log "rustup target add wasm32-unknown-unknown"
    rustup target add wasm32-unknown-unknown
  fi
  export PATH="$HOME/.cargo/bin:$PATH"
  if [[ "$(wasm-bindgen --version 2>/dev/null || true)" != "wasm-bindgen $WB_VERSION" ]]; then
    log "installing wasm-bindgen-cli $WB_VERSION (takes a few minutes)"
    # --locked first; if the lockfile pins a crate the registry no longer serves, fall back to a fresh resolve.
    cargo install --locked wasm-bindgen-cli --version "$WB_VERSION" ||
      cargo install wasm-bindgen-cli --version "$WB_VERSION"
  fi
  # wasm-release = release + fat LTO (Cargo.toml, bench/levers.md); WASM_PROFILE=release links in seconds, runs the decoder slower
  WASM_PROFILE=${WASM_PROFILE:-wasm-release}
  log "cargo build --profile $WASM_PROFILE --lib --target wasm32-unknown-unknown"
  cargo build --profile "$WASM_PROFILE" --lib --target wasm32-unknown-unknown
  rm -rf www/pkg
  log "wasm-bindgen -> www/pkg"
  wasm-bindgen --target web --out-dir www/pkg --out-name mathsnap \
    "${CARGO_TARGET_DIR:-target}/wasm32-unknown-unknown/$WASM_PROFILE/mathsnap.wasm"
fi
[[ -f www/pkg/mathsnap_bg.wasm ]] || { log "error: www/pkg/mathsnap_bg.wasm missing"; exit 1; }

# --- models ---
MODELS_DIR=${MODELS_DIR:-models}
if [[ ! -f "$MODELS_DIR/manifest.json" ]]; then
  log "error: $MODELS_DIR/manifest.json missing (models/ holds the exported ONNX models)"
  exit 1
fi
rm -rf www/models
mkdir -p www/models
# int8 weight storage (scripts/models_int8.py): models/ is stored that way already, and the step
# leaves such files byte for byte as they are, so the app runs exactly the CLI's files; a candidate
# folder (MODELS_DIR) exported in float16 or float32 is converted. Without python3's onnx package
# the files are copied as they are.
if python3 -c 'import onnx, numpy' 2>/dev/null; then
  python3 scripts/models_int8.py --src "$MODELS_DIR" --out www/models
else
  log "python3 has no onnx package: models copied as they are"
  cp -R "$MODELS_DIR"/. www/models/
fi
log "models -> www/models ($(du -sh www/models | cut -f1))"

# --- KaTeX ---
rm -rf www/vendor/katex
mkdir -p www/vendor/katex
cp node_modules/katex/dist/katex.mjs node_modules/katex/dist/katex.min.css www/vendor/katex/
cp -R node_modules/katex/dist/fonts www/vendor/katex/fonts
cp node_modules/katex/LICENSE www/vendor/katex/LICENSE 2>/dev/null || true

# --- service-worker precache list (versioned by content hash) ---
node scripts/precache.mjs
log "done: serve with \`node scripts/serve.mjs\` (or \`npm start\`)"
