"""Detector evaluation on make_pages output: precision / recall / F1 at polygon IoU >= 0.5, overall and
per noise cell (and inline vs display recall).

    python3 -m training.detector.evaluate runs/det/last.pt --pages /work/cache/pages/test
    python3 -m training.detector.evaluate models/detector.onnx --pages /work/cache/pages/test

Each page goes through the engine's path: long side scaled to --long-side, white padding to a multiple
of 32, the model, then geometry.detect_quads (a port of src/detector/postprocess.rs)."""
import argparse
import json
import os
import sys
import time
from collections import defaultdict

import numpy as np

from . import data, geometry as G


def load_runner(path):
    if path.endswith(".onnx"):
        import onnxruntime as ort
        so = ort.SessionOptions()
        so.intra_op_num_threads = 1
        so.inter_op_num_threads = 1
        sess = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
        return lambda x: sess.run(None, {"image": x[None]})[0][0, 0]
    import torch
    from .model import load_checkpoint
    torch.set_num_threads(1)
    model, _ = load_checkpoint(path)

    def run(x):
        with torch.no_grad():
            return model(torch.from_numpy(x[None])).numpy()[0, 0]
    return run


def prf(tp, npred, ngt):
    p = tp / npred if npred else 0.0
    r = tp / ngt if ngt else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def draw(path, rgb, prob, scale, gt, pred):
    """Ground truth green, predictions red, probability map in the blue channel."""
    import cv2
    h, w = rgb.shape[:2]
    big = cv2.resize(prob, (round(prob.shape[1] * 4 / scale), round(prob.shape[0] * 4 / scale)),
                     interpolation=cv2.INTER_NEAREST)[:h, :w]
    im = rgb.copy()
    im[..., 2] = np.maximum(im[..., 2], (big * 255).astype(np.uint8))
    im = cv2.cvtColor(im, cv2.COLOR_RGB2BGR)
    cv2.polylines(im, [np.round(q).astype(np.int32) for q in gt], True, (0, 200, 0), 1)
    cv2.polylines(im, [np.round(q).astype(np.int32) for q in pred], True, (0, 0, 255), 1)
    cv2.imwrite(path, im)


def evaluate(run, pages, long_side=data.ENGINE_LONG_SIDE, threshold=0.5, iou=0.5, limit=None, short_side=True, vis=None, n_vis=0):
    cells = defaultdict(lambda: {"tp": 0, "pred": 0, "gt": 0, "pages": 0, "iou_sum": 0.0})
    kinds = defaultdict(lambda: {"hit": 0, "gt": 0})
    for p in pages[:limit]:
        rgb = data.read_rgb(p["path"])
        h, w = rgb.shape[:2]
        x, scale = data.page_input(rgb, long_side)
        prob = run(x)
        pred = [q for q, _ in G.detect_quads(prob, scale, w, h, threshold, short_side=short_side)]
        gt = p["quads"]
        ious = []
        tp = G.match(pred, gt, iou, ious)
        if vis and n_vis > 0:
            n_vis -= 1
            os.makedirs(vis, exist_ok=True)
            draw(os.path.join(vis, os.path.splitext(p["image"])[0] + ".png"), rgb, prob, scale, gt, pred)
        for key in (p.get("noise", "all"), "ALL"):
            c = cells[key]
            c["tp"] += tp; c["pred"] += len(pred); c["gt"] += len(gt); c["pages"] += 1
            c["iou_sum"] += sum(ious)
        for f, g in zip(p["formulas"], gt):
            hit = any(G.poly_iou(g, q) >= iou for q in pred)
            k = kinds["inline" if f.get("inline") else "display"]
            k["hit"] += hit; k["gt"] += 1
    return cells, kinds


def report(cells, kinds):
    lines = [f"{'cell':<14}{'pages':>6}{'gt':>6}{'pred':>6}{'tp':>6}{'P':>8}{'R':>8}{'F1':>8}{'tpIoU':>8}"]
    for key in sorted(cells, key=lambda k: (k == "ALL", k)):
        c = cells[key]
        p, r, f = prf(c["tp"], c["pred"], c["gt"])
        lines.append(f"{key:<14}{c['pages']:>6}{c['gt']:>6}{c['pred']:>6}{c['tp']:>6}{p:>8.3f}{r:>8.3f}{f:>8.3f}"
                     f"{c['iou_sum'] / max(c['tp'], 1):>8.3f}")
    for k, v in sorted(kinds.items()):
        lines.append(f"recall {k}: {v['hit']}/{v['gt']} = {v['hit'] / max(v['gt'], 1):.3f}")
    return "\n".join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("model", help="checkpoint .pt, .onnx, or 'oracle' (perfect targets: the post-processing ceiling)")
    ap.add_argument("--pages", default="/work/cache/pages/test")
    ap.add_argument("--long-side", type=int, default=data.ENGINE_LONG_SIDE)
    ap.add_argument("--threshold", type=float, default=0.5)
    ap.add_argument("--iou", type=float, default=0.5)
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--json", default=None, help="also write the figures here")
    ap.add_argument("--vis", default=None, help="write drawings of the first --n-vis pages here")
    ap.add_argument("--n-vis", type=int, default=8)
    ap.add_argument("--short-side", action=argparse.BooleanOptionalAction, default=True,
                    help="grow each core by its shorter side, as the engine does (default); --no-short-side: the "
                         "earlier rule, for old figures")
    a = ap.parse_args(argv)
    import cv2
    cv2.setNumThreads(1)
    pages = data.load_pages(a.pages)
    if a.model == "oracle":
        def run(x, _it=iter(pages[:a.limit])):
            p = next(_it)
            s = a.long_side / max(p["width"], p["height"])
            return 0.9 * G.core_target([q * s for q in p["quads"]], x.shape[2] // 4, x.shape[1] // 4)
    else:
        run = load_runner(a.model)
    t0 = time.time()
    cells, kinds = evaluate(run, pages, a.long_side, a.threshold, a.iou, a.limit, a.short_side,
                            a.vis, a.n_vis)
    print(f"{a.model} on {a.pages} ({cells['ALL']['pages']} pages, long side {a.long_side}, threshold "
          f"{a.threshold}, IoU >= {a.iou}{'' if a.short_side else ', earlier long-axis rule'}, {time.time() - t0:.0f}s)")
    print(report(cells, kinds))
    if a.json:
        out = {k: {**v, **dict(zip(("P", "R", "F1"), prf(v["tp"], v["pred"], v["gt"])))} for k, v in cells.items()}
        json.dump({"model": a.model, "pages": a.pages, "cells": out, "kinds": kinds}, open(a.json, "w"), indent=1)


if __name__ == "__main__":
    sys.exit(main())
