"""The printed-photo dev set: held-out school formulas (school_val.txt) typeset by real TeX in the dev
font families (tex_render.DEV_FAMILIES), each photographed by the camera model (datagen/camera.py).
One folder a condition, each with the same formulas and a labels.tsv in the layout `mathsnap eval`
reads:

    clean/        the formula as typeset, on white paper with a crop's margin
    photo/        every camera effect at once, each drawn from its range (an ordinary phone photo)
    <condition>/  one effect of camera.SINGLE at the top of its range, nothing else
    labels.tsv    all of them, `<condition>/<image>\t<latex>\t<condition>`

Deterministic for a seed: the same formulas, fonts, styles and effects every time. Read it with
`mathsnap eval --single OUT` (one table: a row a condition, then all together).

    python3 -m training.devsets.printed_photo --out /work/cache/devsets/printed-photo [--count 300]

Evaluation only: never train on it (it is drawn from school_val.txt, which training never reads).
"""
import argparse
import os
import random
import sys

import cv2
import numpy as np

from training.datagen import camera, tex_render
from training.mathsnap_train.latex import canonical, canonical_tokens
from training.datagen.labels import vocab

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VAL = os.path.join(ROOT, "..", "shared", "data", "formulas", "school_val.txt")
MAX_TOKENS = 120   # the recognizer's length limit keeps longer formulas out of reach by design
BATCH = 400
# 10-pt text at 340 dpi has an x-height of about 20 px: a worksheet photographed whole by a 12-MP phone
# (the camera's downscale cell takes it to 8 px, a page photographed from further away)
DPI = 340


def pick_formulas(count, seed):
    """count distinct school_val formulas whose canonical form the vocabulary covers, in a seeded order."""
    v = vocab()
    seen, out = set(), []
    lines = [ln.strip() for ln in open(VAL, encoding="utf-8") if ln.strip()]
    random.Random(seed).shuffle(lines)
    for ln in lines:
        toks = canonical_tokens(ln)
        key = " ".join(toks)
        if not toks or key in seen or len(toks) > MAX_TOKENS or any(t not in v for t in toks):
            continue
        seen.add(key)
        out.append(ln)
        if len(out) == count * 2:  # spares for the few TeX refuses
            break
    return out


def render(formulas, seed):
    """(formula, grey image, x-height) for each formula TeX renders, families and styles drawn per formula."""
    rng = random.Random(seed)
    plan = [(f, rng.choice(tex_render.DEV_FAMILIES), (rng.random() < 0.4, rng.random() < 0.1,
             rng.choice([r"\normalsize ", r"\normalsize ", r"\large "]))) for f in formulas]
    done = []
    for family in tex_render.DEV_FAMILIES:
        mine = [p for p in plan if p[1] == family]
        for a in range(0, len(mine), BATCH):
            part = mine[a:a + BATCH]
            images = tex_render.render_batch([p[0] for p in part], family, dpi=DPI, styles=[p[2] for p in part])
            done += [(p[0], family, img, xh) for p, (img, xh) in zip(part, images) if img is not None]
    order = {f: k for k, f in enumerate(formulas)}
    return sorted(done, key=lambda d: order[d[0]])


def crop_of(img, x_height, rng):
    """The formula as a crop: paper around it as a detector's quad or a user's selection leaves
    (0.3 to 1.5 x-heights), as float RGB."""
    pad = int(round(x_height * rng.uniform(0.3, 1.5)))
    page = np.pad(img, pad, constant_values=255).astype(np.float32) / 255
    return np.repeat(page[..., None], 3, axis=2)


def save(path, img):
    cv2.imwrite(path, cv2.cvtColor((np.clip(img, 0, 1) * 255 + 0.5).astype(np.uint8), cv2.COLOR_RGB2BGR))


def build(out, count, seed):
    if not tex_render.available():
        sys.exit("printed_photo: latex and dvipng are needed (bash scripts/setup.sh installs them)")
    rendered = render(pick_formulas(count, seed), seed)[:count]
    conditions = ("clean", "photo") + camera.SINGLE
    rows = {c: [] for c in conditions}
    for c in conditions:
        os.makedirs(os.path.join(out, c), exist_ok=True)
    for k, (latex, family, img, xh) in enumerate(rendered):
        base = crop_of(img, xh, np.random.default_rng([seed, k]))
        for c in conditions:
            rng = np.random.default_rng([seed, k, conditions.index(c)])
            if c == "clean":
                img_c = base
            elif c == "photo":
                img_c = camera.photograph(rng, base, xh)
            else:
                img_c = camera.only(rng, base, xh, c)
            name = f"{k:04d}-{family}.png"
            save(os.path.join(out, c, name), img_c)
            rows[c].append((name, canonical(latex)))
    for c in conditions:
        with open(os.path.join(out, c, "labels.tsv"), "w", encoding="utf-8") as fh:
            fh.writelines(f"{n}\t{lab}\n" for n, lab in rows[c])
    # all conditions in one list, the condition as the row's cell: `mathsnap eval` prints a row per cell
    with open(os.path.join(out, "labels.tsv"), "w", encoding="utf-8") as fh:
        fh.writelines(f"{c}/{n}\t{lab}\t{c}\n" for c in conditions for n, lab in rows[c])
    print(f"printed_photo: {len(rendered)} formulas x {len(conditions)} conditions -> {out}")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--count", type=int, default=300)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--mosaic", help="write a contact sheet of an existing set to this PNG, build nothing")
    a = ap.parse_args(argv)
    if a.mosaic:
        mosaic(a.out, a.mosaic)
    else:
        build(a.out, a.count, a.seed)


def mosaic(out, path, rows=4, height=64):
    """A contact sheet of the set: a row per formula, a column per condition (for DATASET.md)."""
    conditions = ("clean", "photo") + camera.SINGLE
    names = sorted(os.listdir(os.path.join(out, "clean")))
    names = [n for n in names if n.endswith(".png")][:rows]
    lines = []
    for n in names:
        tiles = []
        for c in conditions:
            im = cv2.imread(os.path.join(out, c, n))
            w = max(1, int(im.shape[1] * height / im.shape[0]))
            tile = cv2.resize(im, (min(w, 360), height), interpolation=cv2.INTER_AREA if im.shape[0] > height
                              else cv2.INTER_LINEAR)
            tile = cv2.copyMakeBorder(tile, 18, 4, 4, 4, cv2.BORDER_CONSTANT, value=(255, 255, 255))
            cv2.putText(tile, c, (4, 13), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (200, 0, 0), 1)
            tiles.append(tile)
        width = sum(t.shape[1] for t in tiles)
        lines.append((tiles, width))
    full = max(w for _, w in lines)
    sheet = [np.pad(np.hstack(t), ((0, 0), (0, full - w), (0, 0)), constant_values=255) for t, w in lines]
    cv2.imwrite(path, np.vstack(sheet), [cv2.IMWRITE_JPEG_QUALITY, 80])


if __name__ == "__main__":
    main()
