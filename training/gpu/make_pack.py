"""Build the data pack that a GPU training run carries to the device machine.

    python3 -m training.gpu.make_pack --out .pack --synth 20000 --jobs 2

The device machine has PyTorch, OpenCV and the repo, but neither `../shared` nor node (the data
engine's renderer), and a call may carry at most 64 MiB with the working tree. So the pack holds
what only this machine can make, as small as it can be made, and the device does the rest:
- `crohme/`: the CROHME *train* images (never test2014, never photos-dev) as 1-bit PNGs (the
  originals are black/white already; 36 MB -> about a third) and their labels.tsv;
- `synth/`: formulas of the dataset spec rendered to ink coverage by the data engine (fonts,
  synthetic handwriting, KaTeX), 16 grey levels. The noise cells (paper, shadow, highlighter,
  rules, blur...) are applied on the device at every draw by `datagen.compose.make_crop`, so each
  formula comes back in a new photo condition each time it is drawn;
- `synth-val/`: the same from the spec's *val* split, for validation during training;
- `texnorm.py`: the scorer's normalisation, so validation ExpRate means what eval's does.
"""
import argparse
import json
import multiprocessing as mp
import os
import shutil
import sys
import time

import cv2
import numpy as np
from PIL import Image

from ..datagen import spec as spec_mod
from ..datagen.make_rec import render_coverage, sample_rngs
from ..datagen.renderer import Renderer, RenderError
from ..mathsnap_train.data import SHARED, image_file, read_labels

GREY_LEVELS = 16  # coverage quantised to 4 bits: invisible after the model's 64-px fit, half the bytes


def pack_crohme(out, limit=None):
    """CROHME train images as 1-bit PNGs and their labels (the first `limit` rows, for tests)."""
    src = os.path.join(SHARED, "crohme", "train")
    dst = os.path.join(out, "crohme", "images")
    os.makedirs(dst, exist_ok=True)
    rows = read_labels(os.path.join(src, "labels.tsv"))[:limit]
    for file, _, _ in rows:
        name = image_file(file)
        gray = cv2.imread(os.path.join(src, name), cv2.IMREAD_GRAYSCALE)
        if gray is None:
            raise IOError(f"cannot read CROHME image {name}")
        Image.fromarray(gray >= 128).save(os.path.join(dst, name), optimize=True)
    with open(os.path.join(out, "crohme", "labels.tsv"), "w", encoding="utf-8") as f:
        f.writelines("\t".join(row) + "\n" for row in rows)
    return len(rows)


def quantise(cov):
    step = 255 // (GREY_LEVELS - 1)
    return (np.round(np.clip(cov, 0, 1) * (GREY_LEVELS - 1)) * step).astype(np.uint8)


def render_part(task):
    """Render samples [start, stop) of a split's schedule; returns label rows."""
    split, seed, cells, start, out_dir, spec_path, glyph_bank, glyph_share = task
    spec = spec_mod.load(spec_path)
    rows = []
    with Renderer() as renderer:
        for i in range(start, start + len(cells)):
            level, representation, _ = cells[i - start].split("/")
            r, rng = sample_rngs(seed, split, i)
            for _ in range(20):
                try:
                    cov, label, _ = render_coverage(renderer, spec, split, level, representation, r, rng,
                                                    glyph_bank, glyph_share)
                    break
                except RenderError:
                    continue
            else:
                raise RuntimeError(f"{split} sample {i}: no renderable formula in 20 attempts")
            name = f"{split}_{seed}_{i:07d}.png"
            cv2.imwrite(os.path.join(out_dir, "images", name), quantise(cov), [cv2.IMWRITE_PNG_COMPRESSION, 9])
            rows.append(f"{name}\t{label}\t{level}/{representation}\n")
    return rows


def pack_synth(out, name, split, count, seed, jobs, spec_path=spec_mod.SPEC_PATH, glyph_bank=None, glyph_share=1.0):
    """Coverage renders for `count` samples of the split's cell schedule (the noise axis is left to the device)."""
    d = os.path.join(out, name)
    os.makedirs(os.path.join(d, "images"), exist_ok=True)
    cells = spec_mod.cell_schedule(spec_mod.load(spec_path), split, count)
    step = (len(cells) + jobs - 1) // jobs
    tasks = [(split, seed, cells[k:k + step], k, d, spec_path, glyph_bank, glyph_share) for k in range(0, len(cells), step)]
    # spawned, not forked: a fork inherits OpenCV's thread pool in whatever state the parent left it (a
    # parent that has resized images can hand the child a held lock, and the child then waits forever)
    with mp.get_context("spawn").Pool(jobs) as pool:
        parts = pool.map(render_part, tasks)
    with open(os.path.join(d, "labels.tsv"), "w", encoding="utf-8") as f:
        for rows in parts:
            f.writelines(rows)
    return len(cells)


def folder_bytes(path):
    return sum(os.path.getsize(os.path.join(dp, f)) for dp, _, fs in os.walk(path) for f in fs)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=".pack")
    ap.add_argument("--synth", type=int, default=20000, help="training formulas to render")
    ap.add_argument("--synth-val", type=int, default=300)
    ap.add_argument("--seed", type=int, default=41)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--spec", default=spec_mod.SPEC_PATH, help="dataset spec (a copy can reweight the formula sources)")
    ap.add_argument("--no-crohme", action="store_true", help="rendered formulas only (an extra set for --extra-coverage)")
    ap.add_argument("--glyph-bank", default=None,
                    help="draw handwriting in real handwritten glyphs from this bank (training.datagen.glyph_bank)")
    ap.add_argument("--glyph-share", type=float, default=1.0, help="share of handwritten formulas drawn from the bank")
    args = ap.parse_args(argv)
    cv2.setNumThreads(1)
    t0 = time.time()
    os.makedirs(args.out, exist_ok=True)
    stats = {"spec": args.spec, "glyph_bank": args.glyph_bank, "glyph_share": args.glyph_share}
    if not args.no_crohme:
        stats["crohme"] = pack_crohme(args.out)
        print(f"crohme: {stats['crohme']} images, {time.time() - t0:.0f}s", file=sys.stderr, flush=True)
    if args.synth_val:
        stats["synth-val"] = pack_synth(args.out, "synth-val", "val", args.synth_val, args.seed + 1, args.jobs, args.spec,
                                        args.glyph_bank, args.glyph_share)
    stats["synth"] = pack_synth(args.out, "synth", "train", args.synth, args.seed, args.jobs, args.spec, args.glyph_bank,
                                 args.glyph_share)
    shutil.copy(os.path.join(SHARED, "..", "eval", "texnorm.py"), os.path.join(args.out, "texnorm.py"))
    stats.update(seed=args.seed, seconds=round(time.time() - t0), megabytes=round(folder_bytes(args.out) / 1e6, 1))
    with open(os.path.join(args.out, "pack.json"), "w") as f:
        json.dump(stats, f, indent=1)
    print(json.dumps(stats), file=sys.stderr)


if __name__ == "__main__":
    main()
