"""Recognizer samples: `python3 -m training.datagen.make_rec --split train --out DIR --count N --seed S`.

Writes DIR/images/<name>.png (grayscale crop of one formula) and DIR/labels.tsv
(`name<TAB>canonical latex<TAB>level/representation/noise`). labels.tsv is written last (via a .tmp
and a rename) so a trainer never reads a half-made set. Sample i depends only on (seed, split, i),
so runs are reproducible and any prefix of a run is balanced across the spec's cells."""
import argparse
import hashlib
import json
import os
import random
import sys
import time

import cv2
import numpy as np

from . import spec as spec_mod
from .compose import make_crop
from .formulas.source import sample as sample_formula
from .renderer import Renderer, RenderError
from .styles import printed_style, hand_style

# Commands whose visible output the canonical label drops: render the label instead of the source.
RENDER_LABEL_IF = ("\\tag", "\\hline", "\\color", "\\label")
MAX_W, MAX_H = 1600, 400


def sample_rngs(seed, split, i):
    key = f"{seed}/{split}/{i}"
    return random.Random(key), np.random.default_rng(abs(hash_key(key)))


def hash_key(key):
    # stable across processes (Python's hash() is salted)
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "little")


def render_coverage(renderer, spec, split, level, representation, r, rng, glyph_bank=None, glyph_share=1.0):
    """One attempt at drawing a formula of `level` in a random face of `representation`:
    (ink coverage, canonical label, face); raises RenderError when it does not render.
    With `glyph_bank` (training.datagen.glyph_bank's folder), `glyph_share` of the handwritten formulas
    are drawn mostly in real handwritten glyphs (`face` "glyphs")."""
    lo, hi = spec["crop"]["formula_height_px"]
    raw, label = sample_formula(r, level, split, spec["sources"])
    face, style = hand_style(rng) if representation == "handwritten" else printed_style(rng)
    if glyph_bank and representation == "handwritten" and rng.random() < glyph_share:
        face = "glyphs"
        # the bank's glyphs are thin pen lines: outlines it lacks (a \partial, a radical) get a thinner pen too
        style.update(glyphs=os.path.abspath(glyph_bank), glyphShare=float(rng.uniform(0.7, 1.0)),
                     stroke=style["stroke"] * 0.5)
    # pixels per em: a one-line formula is ~1-1.5 em tall, so this lands single lines in [lo, hi]
    em = float(np.exp(rng.uniform(np.log(lo / 1.1), np.log(hi / 1.4))))
    tex = label if any(c in raw for c in RENDER_LABEL_IF) else raw
    cov = renderer.render(tex, style, em=em, check=label)
    if face == "glyphs":
        cov = pen_weight(rng, cov, em)
    h, w = cov.shape
    if w > MAX_W or h > MAX_H:  # very long formulas: shrink instead of making huge images
        f = min(MAX_W / w, MAX_H / h)
        cov = cv2.resize(cov, (max(1, int(w * f)), max(1, int(h * f))), interpolation=cv2.INTER_AREA)
    return cov, label, face


def pen_weight(rng, cov, em):
    """Widen real glyphs' strokes (CROHME's thin pen, scaled into the layout) to a pen width drawn per
    formula, up to a marker's: a twentieth of an em at most. A glyph scaled down a lot (a tall bracket)
    comes out as a faint sub-pixel line first: it is brought to full ink, as a pen leaves it."""
    cov = np.clip(cov * 2.0, 0.0, 1.0)
    extra = int(round(rng.uniform(0, 0.05) * em))
    if extra < 1:
        return cov
    disk = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (extra + 1, extra + 1))
    return cv2.dilate(cov, disk)


def make_sample(renderer, spec, split, cell, seed, i, glyph_bank=None, glyph_share=1.0):
    """(gray uint8 image, label, meta) for sample i of a split, in its cell."""
    level, representation, noise = cell.split("/")
    r, rng = sample_rngs(seed, split, i)
    for attempt in range(20):
        try:
            cov, label, face = render_coverage(renderer, spec, split, level, representation, r, rng, glyph_bank, glyph_share)
        except RenderError:
            continue
        img = make_crop(rng, cov, representation == "handwritten", noise, spec["crop"])
        if img is None or min(img.shape) < 8:
            continue
        return img, label, {"face": face, "attempts": attempt + 1}
    raise RuntimeError(f"sample {i}: no renderable formula in 20 attempts")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--split", choices=["train", "val", "test"], required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--count", type=int, default=None, help="total samples (default: the spec's split total)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--spec", default=spec_mod.SPEC_PATH)
    ap.add_argument("--glyph-bank", default=None,
                    help="draw handwriting in real handwritten glyphs from this bank (training.datagen.glyph_bank)")
    ap.add_argument("--glyph-share", type=float, default=1.0, help="share of handwritten formulas drawn from the bank")
    args = ap.parse_args(argv)
    cv2.setNumThreads(1)  # the machine is shared: one core per generator process

    spec = spec_mod.load(args.spec)
    schedule = spec_mod.cell_schedule(spec, args.split, args.count)
    os.makedirs(os.path.join(args.out, "images"), exist_ok=True)
    tmp = os.path.join(args.out, "labels.tsv.tmp")
    t0, faces, attempts = time.time(), {}, 0
    with Renderer() as renderer, open(tmp, "w", encoding="utf-8") as out:
        for i, cell in enumerate(schedule):
            img, label, meta = make_sample(renderer, spec, args.split, cell, args.seed, i, args.glyph_bank, args.glyph_share)
            name = f"{args.split}_{args.seed}_{i:07d}"
            cv2.imwrite(os.path.join(args.out, "images", name + ".png"), img, [cv2.IMWRITE_PNG_COMPRESSION, 3])
            out.write(f"{name}\t{label}\t{cell}\n")
            faces[meta["face"]] = faces.get(meta["face"], 0) + 1
            attempts += meta["attempts"]
            if (i + 1) % 500 == 0:
                el = time.time() - t0
                print(f"{i + 1}/{len(schedule)} {el:.0f}s {(i + 1) / el:.1f}/s", file=sys.stderr, flush=True)
    elapsed = time.time() - t0
    stats = {"split": args.split, "seed": args.seed, "count": len(schedule), "seconds": round(elapsed, 1),
             "samples_per_s": round(len(schedule) / max(elapsed, 1e-9), 2), "faces": faces,
             "render_attempts_per_sample": round(attempts / max(1, len(schedule)), 3)}
    with open(os.path.join(args.out, "stats.json"), "w") as f:
        json.dump(stats, f, indent=1)
    os.replace(tmp, os.path.join(args.out, "labels.tsv"))
    print(json.dumps(stats), file=sys.stderr)


if __name__ == "__main__":
    main()
