"""A bank of real handwritten glyphs cut from CROHME *train*, for the renderer's hand mode.

    python3 -m training.datagen.glyph_bank --out /work/cache/glyphs

Synthetic handwriting from fonts and perturbed outlines is not how people write; real pen strokes of
a few hundred writers are in CROHME train, but only as whole formulas. A formula whose layout is one
line (no fractions, roots or stacked limits) can be cut into its symbols without any segmentation
model: its ink's connected pieces, merged where they overlap across the line (the two bars of `=`,
the dot of `i`), are its glyphs from left to right, and MathJax's layout of the label says which
glyph each one is. Formulas where the counts differ, or where a flat piece would be a letter (or a
minus would not be flat), are skipped: better fewer glyphs than mislabelled ones.

The CROHME-train images the trainer holds out for validation are never cut (`data.crohme_train_split`),
and CROHME test2014 and photos-dev are never read.

Writes OUT/<n>.png (ink in alpha, cropped to it) and OUT/index.json ({glyphs: [{k, w, f, pw, ph}]},
read by node/glyph_bank.mjs)."""
import argparse
import collections
import json
import os
import re
import sys

import cv2
import numpy as np

from ..mathsnap_train.data import SHARED, Vocab, crohme_train_split
from ..mathsnap_train.latex import canonical
from .renderer import Renderer, RenderError

# Tokens whose layout is not a single left-to-right line, or whose one glyph is several pieces side by side.
NOT_ONE_LINE = {"\\frac", "\\sqrt", "\\overline", "\\underline", "\\vec", "\\hat", "\\bar", "\\binom", "\\overset",
                "\\stackrel", "\\ldots", "\\cdots", "\\vdots", "\\ddots", "\\lim", "\\\\", "\\dot", "\\ddot", "\\tilde"}
MINUS = "\u2212"
FLAT_KEYS = {MINUS, "=", "\u2192", "\u223c", "\u2261", "\u2248"}   # keys whose glyph may be flat


def writer_of(stem):
    """CROHME file names carry the writer (`101_Fabricio`) or the session (`2009210-947-42`)."""
    m = re.fullmatch(r"\d+_([A-Za-z]+)", stem)
    return m.group(1) if m else re.sub(r"[-_](?:[A-Za-z]+_?)?\d+$", "", stem) or stem


def ink_groups(gray):
    """Connected ink pieces merged where they overlap along the line, left to right:
    [(x0, y0, x1, y1, labels)] with labels the component ids of the group."""
    ink = (gray < 128).astype(np.uint8)
    n, lab, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    boxes = [[stats[i, 0], stats[i, 1], stats[i, 0] + stats[i, 2], stats[i, 1] + stats[i, 3], [i]]
             for i in range(1, n) if stats[i, cv2.CC_STAT_AREA] >= 2]
    boxes.sort(key=lambda b: b[0])
    merged = True
    while merged:
        merged = False
        for a in range(len(boxes)):
            for b in range(a + 1, len(boxes)):
                A, B = boxes[a], boxes[b]
                overlap = min(A[2], B[2]) - max(A[0], B[0])
                if overlap > 0.5 * min(A[2] - A[0], B[2] - B[0]):
                    boxes[a] = [min(A[0], B[0]), min(A[1], B[1]), max(A[2], B[2]), max(A[3], B[3]), A[4] + B[4]]
                    del boxes[b]
                    merged = True
                    break
            if merged:
                break
    boxes.sort(key=lambda b: (b[0] + b[2]) / 2)
    return boxes, lab


def plausible(keys, boxes):
    """Reject an assignment where flatness disagrees with the symbol: a flat piece that is not a minus,
    equals or arrow (a mis-ordered cut), or a minus that is not flat."""
    heights = sorted(b[3] - b[1] for b in boxes)
    median_h = heights[len(heights) // 2]
    for k, (x0, y0, x1, y1, _) in zip(keys, boxes):
        w, h = x1 - x0, y1 - y0
        flat = w >= 2 * h and h < 0.4 * median_h
        if (flat and k not in FLAT_KEYS) or (k == MINUS and not flat):
            return False
    return True


def cut(gray, keys):
    """The glyph images of one formula, or None when it cannot be cut reliably."""
    boxes, lab = ink_groups(gray)
    if len(boxes) != len(keys) or not boxes or not plausible(keys, boxes):
        return None
    out = []
    for k, (x0, y0, x1, y1, ids) in zip(keys, boxes):
        piece = np.isin(lab[y0:y1, x0:x1], ids)
        alpha = np.pad(piece.astype(np.uint8) * 255, 1)
        out.append((k, alpha))
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--limit", type=int, default=None, help="cut only the first N training formulas (tests)")
    args = ap.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    vocab = Vocab()
    train, _holdout = crohme_train_split(vocab)
    items = train.items[: args.limit]
    glyphs, used, reasons = [], 0, collections.Counter()
    with Renderer() as renderer:
        for path, ids, latex, _cell in items:
            if NOT_ONE_LINE & set(vocab.decode(ids)):
                reasons["not one line"] += 1
                continue
            try:
                keys = renderer.keys(canonical(latex))
            except RenderError:
                reasons["does not render"] += 1
                continue
            gray = cv2.imread(path, cv2.IMREAD_GRAYSCALE)
            pieces = cut(gray, keys) if gray is not None and keys else None
            if pieces is None:
                reasons["pieces do not match"] += 1
                continue
            used += 1
            writer = writer_of(os.path.splitext(os.path.basename(path))[0])
            for k, alpha in pieces:
                f = f"{len(glyphs):06d}.png"
                bgra = np.zeros(alpha.shape + (4,), np.uint8)
                bgra[:, :, 3] = alpha
                cv2.imwrite(os.path.join(args.out, f), bgra)
                glyphs.append({"k": k, "w": writer, "f": f, "pw": int(alpha.shape[1]), "ph": int(alpha.shape[0])})
    tmp = os.path.join(args.out, "index.json.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump({"glyphs": glyphs}, fh, ensure_ascii=False)
    os.replace(tmp, os.path.join(args.out, "index.json"))
    per_key = collections.Counter(g["k"] for g in glyphs)
    print(json.dumps({"formulas": len(items), "cut": used, "skipped": dict(reasons), "glyphs": len(glyphs),
                      "keys": len(per_key), "writers": len({g["w"] for g in glyphs}),
                      "rarest": per_key.most_common()[-10:]}, ensure_ascii=False), file=sys.stderr)


if __name__ == "__main__":
    main()
