"""A training set of school formulas typeset by real TeX (tex_render, TRAIN_FAMILIES only), stored as
ink coverage in the layout of a pack's coverage set (DIR/synth/: images/ + labels.tsv with a cell
column), so the trainer reads it with --extra-coverage DIR=SHARE and draws each formula through the data engine's
crop composition and the camera model at every draw.

    python3 -m training.datagen.tex_pack --out /work/cache/pack-tex --count 20000
    python3 -m training.datagen.tex_pack --out /work/cache/pack-tex2 --count 16000 --seed 8 --exclude /work/cache/pack-tex

A second pack takes other formulas (--exclude), and leaves about 2,000 of school_train's untypeset: the
calibration set (calibrate.py) draws its TeX formulas from those, never from a training pack, whichever of
the two is made first (an existing calibration set's labels.tsv is excluded too, as run.sh does).

Formulas come from school_train.txt only (the dev set's school_val.txt never), canonical and in the
vocabulary. Sizes, styles and weights vary per formula: text and display style, \\normalsize to
\\Large, one in ten bold, 240-600 dpi (an x-height of 14-36 px before the crop is fitted).
"""
import argparse
import os
import random

import cv2
import numpy as np

from training.datagen import tex_render
from training.datagen.labels import vocab
from training.mathsnap_train.latex import canonical, canonical_tokens

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TRAIN = os.path.join(ROOT, "..", "shared", "data", "formulas", "school_train.txt")
GREY_LEVELS = 16
BATCH = 500
MAX_TOKENS = 150


TEX_PACKS = ("pack-tex", "pack-tex2")   # run.sh's TeX training packs in the cache: no calibration formula in them


def packed_labels(path):
    """The canonical labels of an earlier pack (its DIR, as --out took it) or of a labels.tsv (image, LaTeX, ...)."""
    if os.path.isdir(path):
        path = os.path.join(path, "synth", "labels.tsv")
    with open(path, encoding="utf-8") as f:
        return {row.split("\t")[1] for row in f if row.count("\t") >= 2}


def formulas(count, seed, exclude=frozenset()):
    """`count` school_train formulas in the vocabulary, in the seed's order, none whose canonical form is in
    `exclude` (another pack's labels: a second pack typesets formulas the first does not have)."""
    v = vocab()
    lines = [ln.strip() for ln in open(TRAIN, encoding="utf-8") if ln.strip()]
    random.Random(seed).shuffle(lines)
    out = []
    for ln in lines:
        toks = canonical_tokens(ln)
        if toks and len(toks) <= MAX_TOKENS and all(t in v for t in toks) and canonical(ln) not in exclude:
            out.append(ln)
        if len(out) == count:
            break
    return out


def build(out, count, seed, exclude=frozenset()):
    out = os.path.join(out, "synth")
    os.makedirs(os.path.join(out, "images"), exist_ok=True)
    rng = random.Random(seed)
    chosen = formulas(count, seed, exclude)
    rows, step = [], 255 // (GREY_LEVELS - 1)
    for a in range(0, len(chosen), BATCH):
        part = chosen[a:a + BATCH]
        family = tex_render.TRAIN_FAMILIES[(a // BATCH) % len(tex_render.TRAIN_FAMILIES)]
        styles = [(rng.random() < 0.4, rng.random() < 0.1, rng.choice([r"\normalsize ", r"\large ", r"\Large "]))
                  for _ in part]
        dpi = rng.choice([240, 300, 400, 600])
        for k, (latex, (img, _)) in enumerate(zip(part, tex_render.render_batch(part, family, dpi, styles))):
            if img is None:
                continue
            cov = 1.0 - img.astype(np.float32) / 255.0
            name = f"tex_{seed}_{a + k:07d}.png"
            q = (np.round(np.clip(cov, 0, 1) * (GREY_LEVELS - 1)) * step).astype(np.uint8)
            cv2.imwrite(os.path.join(out, "images", name), q, [cv2.IMWRITE_PNG_COMPRESSION, 9])
            rows.append(f"{name}\t{canonical(latex)}\thigh/printed\n")
        print(f"tex_pack: {a + len(part)}/{len(chosen)} ({family}, {dpi} dpi)", flush=True)
    with open(os.path.join(out, "labels.tsv"), "w", encoding="utf-8") as fh:
        fh.writelines(rows)
    print(f"tex_pack: {len(rows)} formulas -> {out}")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--count", type=int, default=20000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--exclude", action="append", default=[], metavar="PACK_OR_LABELS",
                    help="leave out the formulas of an earlier pack (its --out) or of a labels.tsv (the calibration "
                         "set's): a second pack of other formulas")
    a = ap.parse_args(argv)
    exclude = set().union(*(packed_labels(p) for p in a.exclude)) if a.exclude else frozenset()
    build(a.out, a.count, a.seed, exclude)


if __name__ == "__main__":
    main()
