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
# The realistic page set: worksheet-like test-split pages (printed and handwritten formulas among
# Korean and English text, tilt, shadow, perspective, curved paper, blur) photographed at an A4
# page's 1754 px long side (the data engine's own pages are 640 px), every 5th turned a quarter and
# every 7th a half turn, as students hold phones. Never used for training (test split, own seed).
WORKSHEETS = os.path.join(ROOT, "bench", "out", "worksheets")
WORKSHEET_SEED, WORKSHEET_COUNT, WORKSHEET_LONG_SIDE = 11, 30, 1754
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
    """The page of the wanted orientation whose formula count is nearest `formulas` (more rather than
    fewer on a tie): the data engine's pages change as it grows, an exact count may not be there."""
    fitting = [p for p in pages if (p["width"] > p["height"]) == landscape]
    if not fitting:
        raise SystemExit(f"no {'landscape' if landscape else 'portrait'} page in seed {SEED}")
    return min(fitting, key=lambda p: (abs(len(p["formulas"]) - formulas), -len(p["formulas"])))


def make_worksheets():
    """The realistic page set into out/fixtures/worksheet-NN.jpg; returns their listing entries."""
    pages_file = os.path.join(WORKSHEETS, "pages.jsonl")
    if not os.path.exists(pages_file):
        import yaml
        sys.path.insert(0, ROOT)
        from training.datagen import spec as spec_mod
        spec = spec_mod.load()
        spec["pages"]["long_side_px"] = WORKSHEET_LONG_SIDE
        os.makedirs(WORKSHEETS, exist_ok=True)
        spec_path = os.path.join(WORKSHEETS, "spec.yaml")
        with open(spec_path, "w") as f:
            yaml.safe_dump(spec, f)
        subprocess.run([sys.executable, "-m", "training.datagen.make_pages", "--split", "test", "--out", WORKSHEETS,
                        "--count", str(WORKSHEET_COUNT), "--seed", str(WORKSHEET_SEED), "--spec", spec_path],
                       cwd=ROOT, check=True)
    listing = []
    for i, line in enumerate(open(pages_file)):
        page = json.loads(line)
        im = Image.open(os.path.join(WORKSHEETS, "images", page["image"])).convert("RGB")
        turn = 90 if i % 5 == 4 else 180 if i % 7 == 6 else 0
        if turn:
            im = im.rotate(-turn, expand=True)  # PIL turns anticlockwise
        name = f"worksheet-{i:02d}"
        im.save(os.path.join(OUT, name + ".jpg"), quality=90)
        listing.append({"name": name, "file": name + ".jpg", "kind": "worksheet", "formulas": len(page["formulas"]),
                        "width": im.width, "height": im.height, "turned": turn, "source": page["image"]})
    return listing


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
        listing.append({"name": name, "file": name + ".jpg", "kind": "page", "formulas": len(page["formulas"]),
                        "width": size[0], "height": size[1], "source": page["image"]})
    preview = page_with(7, pages, landscape=True)
    frame = photo(preview, PREVIEW, seed=7)
    frame.save(os.path.join(OUT, "preview-640.png"))
    listing.append({"name": "preview-640", "file": "preview-640.png", "kind": "preview", "formulas": len(preview["formulas"]),
                    "width": PREVIEW[0], "height": PREVIEW[1], "source": preview["image"]})
    for name, src in [("crop-printed", PRINTED), ("crop-handwritten", HANDWRITTEN)]:
        shutil.copyfile(src, os.path.join(OUT, name + ".png"))
        w, h = Image.open(src).size
        listing.append({"name": name, "file": name + ".png", "kind": "crop", "formulas": 1, "width": w, "height": h,
                        "source": os.path.relpath(os.path.realpath(src), os.path.dirname(ROOT))})
    listing += make_worksheets()
    with open(os.path.join(OUT, "fixtures.json"), "w") as f:
        json.dump(listing, f, indent=1)
    for item in listing:
        print(f"{item['file']:24} {item['width']}x{item['height']}  {os.path.getsize(os.path.join(OUT, item['file'])) / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
