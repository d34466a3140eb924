"""Recognizer training crops cut the way the engine cuts them: from TRAINING pages, along the quads a
detector predicts (matched to a ground-truth formula at IoU >= 0.5, which gives the label), with the
engine's recognition margin.

    python3 -m training.detector.page_crops models/detector.onnx --pages /work/cache/pages/train-a \
        --out /work/cache/rec/synth-v4-detected

Why: the page score trails the recognizer's ExpRate on perfect crops mostly through formulas that are
found but read wrong from the detected crop (ends a little short or long, a loose top and bottom,
neighbouring prose in the margin). The data engine's crops never look like that; these do. Crops are
named without an extension and listed in labels.tsv like make_rec's output, so the trainer picks the
folder up as one more synthetic shard. Never run on test pages."""
import argparse
import os

import cv2
import numpy as np

from . import data, geometry as G
from .evaluate import load_runner
from .page_score import crop_quad, recognition_margin, with_margin


def aligned(pred, truth):
    """The predicted quad's corners rotated cyclically to best match the truth's corner order (which starts
    at the formula's own top-left), so a formula on a turned page is cut upright."""
    pred, truth = np.asarray(pred, np.float64), np.asarray(truth, np.float64)
    shifts = [np.roll(pred, -k, axis=0) for k in range(4)]
    return min(shifts, key=lambda q: float(np.linalg.norm(q - truth, axis=1).sum()))


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("model", help="detector .onnx (or checkpoint)")
    ap.add_argument("--pages", required=True, help="training pages (never the test split)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--long-side", type=int, default=data.ENGINE_LONG_SIDE)
    ap.add_argument("--skip-noise", nargs="*", default=["blur_jpeg"],
                    help="page cells left out: blur_jpeg pages at 640 px are illegible even as perfect crops")
    a = ap.parse_args(argv)
    cv2.setNumThreads(1)
    run, margin = load_runner(a.model), recognition_margin()
    os.makedirs(os.path.join(a.out, "images"), exist_ok=True)
    rows, total = [], 0
    for p in data.load_pages(a.pages):
        if p.get("noise") in a.skip_noise:
            continue
        rgb = data.read_rgb(p["path"])
        h, w = rgb.shape[:2]
        x, scale = data.page_input(rgb, a.long_side)
        pred = [q for q, _ in G.detect_quads(run(x), scale, w, h)]
        total += len(p["formulas"])
        for _, i, j in G.match_pairs(pred, p["quads"]):
            f = p["formulas"][j]
            crop = crop_quad(rgb, with_margin(aligned(pred[i], f["quad"]), margin))
            name = f"{os.path.splitext(p['image'])[0]}_{j}"
            cv2.imwrite(os.path.join(a.out, "images", name + ".png"), cv2.cvtColor(crop, cv2.COLOR_RGB2GRAY))
            rows.append(f"{name}\t{f['latex']}\tpages/{p.get('noise', 'clean')}\n")
    tmp = os.path.join(a.out, "labels.tsv.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.writelines(rows)
    os.replace(tmp, os.path.join(a.out, "labels.tsv"))  # last, so a trainer never sees a partial shard
    print(f"{len(rows)} crops of {total} formulas from {a.pages} -> {a.out}")


if __name__ == "__main__":
    main()
