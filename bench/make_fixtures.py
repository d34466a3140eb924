"""Benchmark inputs, made deterministically into bench/out/fixtures/ (git-ignored).

    python3 bench/make_fixtures.py

Pages come from the data engine (`training.datagen.make_pages`, train split, fixed seed), chosen
by formula count and enlarged to phone-photo sizes with a little fixed-seed sensor noise, so
the JPEGs cost what real photos cost to decode. Crops: the printed end-to-end test fixture and
one CROHME *train* image (never the test sets). fixtures.json lists every input and its kind."""
import json
import os
import shutil
import subprocess
import sys

import numpy as np
from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "bench", "out", "fixtures")
PAGES = os.path.join(ROOT, "bench", "out", "pages")
SEED, COUNT = 6, 24
ONE_MP = (866, 1155)      # portrait 3:4, 1.0 megapixels
TWELVE_MP = (3000, 4000)  # portrait 3:4, 12 megapixels (a phone's 4000x3000 held upright)
PREVIEW = (640, 360)      # a camera frame as the live preview hands it to the worker (app.js: 640 px long side)
PRINTED = os.path.join(ROOT, "tests", "fixtures", "e2e-quadratic.png")
HANDWRITTEN = os.path.join(ROOT, "..", "shared", "data", "crohme", "train", "101_alfonso.png")


def make_pages():
    if os.path.exists(os.path.join(PAGES, "pages.jsonl")):
        return
    subprocess.run([sys.executable, "-m", "training.datagen.make_pages", "--split", "train", "--out", PAGES,
                    "--count", str(COUNT), "--seed", str(SEED)], cwd=ROOT, check=True)


def page_with(formulas, pages, landscape=False):
    for p in pages:
        if len(p["formulas"]) == formulas and (p["width"] > p["height"]) == landscape:
            return p
    raise SystemExit(f"no {'landscape' if landscape else 'portrait'} page with {formulas} formulas in seed {SEED}")


def photo(page, size, seed):
    """The page enlarged to `size` with fixed-seed sensor noise (so JPEG size and decode cost are realistic)."""
    im = Image.open(os.path.join(PAGES, "images", page["image"])).convert("RGB").resize(size, Image.BICUBIC)
    noise = np.random.default_rng(seed).normal(0, 3, (size[1], size[0], 1)).astype(np.float32)
    return Image.fromarray(np.clip(np.asarray(im, np.float32) + noise, 0, 255).astype(np.uint8))


def main():
    make_pages()
    pages = [json.loads(line) for line in open(os.path.join(PAGES, "pages.jsonl"))]
    os.makedirs(OUT, exist_ok=True)
    listing = []
    for name, formulas, size in [("page-1mp-1f", 1, ONE_MP), ("page-1mp-8f", 8, ONE_MP),
                                 ("page-12mp-1f", 1, TWELVE_MP), ("page-12mp-5f", 5, TWELVE_MP),
                                 ("page-12mp-8f", 8, TWELVE_MP)]:
        page = page_with(formulas, pages)
        photo(page, size, seed=formulas).save(os.path.join(OUT, name + ".jpg"), quality=90)
        listing.append({"name": name, "file": name + ".jpg", "kind": "page", "formulas": formulas,
                        "width": size[0], "height": size[1], "source": page["image"]})
    preview = page_with(7, pages, landscape=True)
    frame = photo(preview, PREVIEW, seed=7)
    frame.save(os.path.join(OUT, "preview-640.png"))
    listing.append({"name": "preview-640", "file": "preview-640.png", "kind": "preview", "formulas": 7,
                    "width": PREVIEW[0], "height": PREVIEW[1], "source": preview["image"]})
    for name, src in [("crop-printed", PRINTED), ("crop-handwritten", HANDWRITTEN)]:
        shutil.copyfile(src, os.path.join(OUT, name + ".png"))
        w, h = Image.open(src).size
        listing.append({"name": name, "file": name + ".png", "kind": "crop", "formulas": 1, "width": w, "height": h,
                        "source": os.path.relpath(os.path.realpath(src), os.path.dirname(ROOT))})
    with open(os.path.join(OUT, "fixtures.json"), "w") as f:
        json.dump(listing, f, indent=1)
    for item in listing:
        print(f"{item['file']:24} {item['width']}x{item['height']}  {os.path.getsize(os.path.join(OUT, item['file'])) / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
