#!/usr/bin/env bash
# Install what building and testing need on a fresh machine of this kind (Debian, root, Rust via
# rustup, Python 3.11, Node 20). Idempotent: each step is skipped when already satisfied.
set -euo pipefail
cd "$(dirname "$0")/.."

apt_packages="chromium chromium-driver fonts-nanum"
if [ -f training/datagen/APT_PACKAGES ]; then
  apt_packages="$apt_packages $(grep -v '^#' training/datagen/APT_PACKAGES | tr '\n' ' ')"
fi
missing=""
for p in $apt_packages; do
  dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
done
if [ -n "$missing" ]; then
  echo "setup: installing Debian packages:$missing"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
fi

rustup target list --installed | grep -q wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
if ! wasm-bindgen --version 2>/dev/null | grep -q '0.2.130'; then
  echo "setup: building wasm-bindgen-cli 0.2.130 (a few minutes, once)"
  # --locked first; its lockfile pins a webpki-roots the registry no longer serves, so fall back to a fresh resolve
  cargo install --locked wasm-bindgen-cli --version 0.2.130 ||
    cargo install wasm-bindgen-cli --version 0.2.130
fi

# Python packages the tests and the web build use (the scorer's normalisation, onnxruntime parity, the data
# engine's tests, onnx for the float16 models the app ships, torch for the training code's tests).
python3 -c 'import numpy, onnx, onnxruntime, cv2, yaml, PIL, torch' 2>/dev/null ||
  pip install -q -r training/requirements-test.txt

[ -d node_modules ] && [ node_modules -nt package-lock.json ] || npm ci --no-audit --no-fund
