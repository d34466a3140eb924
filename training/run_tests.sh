#!/bin/bash
# Data engine tests (CI, < 2 min): pytest for the Python side, then KaTeX over generated formulas.
# N (default 10000) generated formulas go through KaTeX (about 10 s).
set -euo pipefail
cd "$(dirname "$0")/.."
N="${N:-10000}"
if [ ! -d training/datagen/node/node_modules ]; then (cd training/datagen/node && npm ci --silent); fi
python3 -m pytest -q training/tests training/detector
python3 -m training.datagen.dump_formulas --count "$N" --seed 0 | node training/datagen/node/katex_check.mjs
