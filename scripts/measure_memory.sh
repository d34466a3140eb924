#!/usr/bin/env bash
# The memory bound of reading one image, natively (peak RSS of `mathsnap read`) and in wasm (peak
# linear memory, scripts/wasm_memory.mjs), for page photos from 1 MP up to the largest accepted
# size (input::MAX_PIXELS, 50 MP) and for a PNG with alpha. Not a test: a measurement, quoted in
# docs/ROBUSTNESS.md. Needs target/release/mathsnap and www/pkg + www/models (make build-native build-web).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=target/memory-bound
mkdir -p "$OUT"
python3 - "$OUT" <<'PY'
import sys
from PIL import Image
out = sys.argv[1]
page = Image.open("tests/fixtures/page-worksheet.jpg").convert("RGB")
for name, size in [("1mp", (1155, 866)), ("12mp", (4000, 3000)), ("50mp", (8160, 6120)), ("16384x3050", (16384, 3050))]:
    page.resize(size, Image.BILINEAR).save(f"{out}/page-{name}.jpg", quality=90)
# a sideways page: turns are tried on the detector's downscaled copy, not on the photo
page.resize((8160, 6120), Image.BILINEAR).rotate(90, expand=True).save(f"{out}/page-50mp-sideways.jpg", quality=90)
# slanted pages (30°, the desk in the corners) are detected a second time on a larger, level canvas;
# slanted and sideways together is the worst accepted JPEG case
page.resize((4000, 3000), Image.BILINEAR).rotate(30, fillcolor=(90, 80, 70)).save(f"{out}/page-12mp-slanted.jpg", quality=90)
page.resize((8160, 6120), Image.BILINEAR).rotate(30, fillcolor=(90, 80, 70)).rotate(90, expand=True).save(
    f"{out}/page-50mp-sideways-slanted.jpg", quality=90)
page.resize((4000, 3000), Image.BILINEAR).convert("RGBA").save(f"{out}/page-12mp-alpha.png", compress_level=1)
# the worst cases input.rs accepts: 50 MP of 8-bit RGBA, and 16-bit RGB just under the decoder budget
page.resize((8160, 6120), Image.BILINEAR).convert("RGBA").save(f"{out}/page-50mp-alpha.png", compress_level=1)
import cv2, numpy as np
big = np.asarray(page.resize((7300, 5470), Image.BILINEAR))[:, :, ::-1].astype(np.uint16) * 257
cv2.imwrite(f"{out}/page-40mp-rgb16.png", big, [cv2.IMWRITE_PNG_COMPRESSION, 1])
PY
BIN=${CARGO_TARGET_DIR:-target}/release/mathsnap
echo "| image | native peak RSS (MiB) | wasm: models loaded (MiB) | wasm: peak linear memory (MiB) | outcome |"
echo "|---|---|---|---|---|"
for f in "$OUT"/page-1mp.jpg "$OUT"/page-12mp.jpg "$OUT"/page-12mp-slanted.jpg "$OUT"/page-12mp-alpha.png "$OUT"/page-50mp.jpg \
         "$OUT"/page-50mp-sideways.jpg "$OUT"/page-50mp-sideways-slanted.jpg "$OUT"/page-16384x3050.jpg \
         "$OUT"/page-50mp-alpha.png "$OUT"/page-40mp-rgb16.png; do
  rss_kib=$( /usr/bin/time -f '%M' "$BIN" read "$f" 2>&1 >/dev/null | tail -1 )
  w=$(node scripts/wasm_memory.mjs "$f")
  node -e "const w=JSON.parse(process.argv[1]); console.log('| '+w.image+' | '+(process.argv[2]/1024).toFixed(0)+' | '+w.modelsLoadedMiB+' | '+w.peakMiB+' | '+w.outcome+' |')" "$w" "$rss_kib"
done
