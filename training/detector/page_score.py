"""End-to-end page score through the shipped engine: the share of a page's formulas whose LaTeX comes out
exactly right from detection + rectification + recognition, next to the recognizer's ExpRate on the same
formulas given as perfect crops (their ground-truth quads, cut with the engine's recognition margin). The gap
is what detection and rectification lose.

    cargo build --release
    python3 -m training.detector.page_score --pages /work/cache/pages/test [--models DIR] [--json OUT]

Both sides go through `mathsnap` (`read` on the pages; `eval --single` on the perfect crops) and are
compared with the scorer's own normalisation (../shared/eval/texnorm.py). A ground-truth formula counts
as read when a predicted region overlaps it at quad IoU >= 0.5 (each region used once, best IoU first)
and that region's LaTeX normalises to the label. The same matching gives the engine's detection precision,
recall and F1 per cell (page turns included; regions read as nothing are not reported, so not counted)."""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from collections import defaultdict

import cv2
import numpy as np

from . import data, geometry as G
from .evaluate import prf

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "..", "shared", "eval"))
from texnorm import norm  # noqa: E402  (the scorer's normalisation)


def recognition_margin():
    """The engine's RECOGNITION_MARGIN, read from src/rectify.rs so that it is defined once."""
    src = open(os.path.join(ROOT, "src", "rectify.rs"), encoding="utf-8").read()
    return float(re.search(r"pub const RECOGNITION_MARGIN: f32 = ([0-9.]+);", src).group(1))


def with_margin(quad, margin):
    """src/rectify.rs with_margin: the quad grown by margin x its height on every side, along its own axes."""
    tl, tr, br, bl = np.asarray(quad, np.float64)
    unit = lambda a, b: (b - a) / max(np.linalg.norm(b - a), 1e-6)  # noqa: E731
    u = (unit(tl, tr) + unit(bl, br)) / 2
    v = (unit(tl, bl) + unit(tr, br)) / 2
    d = margin * G.quad_size(quad)[1]
    return np.array([tl - d * (u + v), tr + d * (u - v), br + d * (u + v), bl + d * (v - u)])


def crop_quad(rgb, quad, max_h=256.0, max_w=2048.0):
    """A perfect crop as src/rectify.rs crop_quad cuts it: the quad mapped onto an upright rectangle, at most
    256 px high (a homography here; the engine blends the corners bilinearly, the same on rectangles)."""
    q = np.asarray(quad, np.float64)
    qw, qh = G.quad_size(q)
    s = min(max_h / max(qh, 1), max_w / max(qw, 1), 1.0)
    ow, oh = max(1, round(qw * s)), max(1, round(qh * s))
    dst = np.array([[0, 0], [ow, 0], [ow, oh], [0, oh]], np.float32)
    m = cv2.getPerspectiveTransform(q.astype(np.float32), dst)
    return cv2.warpPerspective(rgb, m, (ow, oh), flags=cv2.INTER_LINEAR, borderValue=(255, 255, 255))


def crop_name(page, n):
    return f"{os.path.splitext(page['image'])[0]}_{n}.png"


def run_mathsnap(binary, models, args):
    cmd = [binary] + (["--models", models] if models else []) + args
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--pages", default="/work/cache/pages/test")
    ap.add_argument("--models", default=None, help="model folder for mathsnap (default: its own lookup)")
    ap.add_argument("--binary", default=os.path.join(ROOT, "target", "release", "mathsnap"))
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--iou", type=float, default=0.5)
    ap.add_argument("--json", default=None)
    a = ap.parse_args(argv)
    pages = data.load_pages(a.pages)[:a.limit]

    # 1. whole pages through detection + recognition
    reads = {}
    for k in range(0, len(pages), 25):
        chunk = pages[k:k + 25]
        out = run_mathsnap(a.binary, a.models, ["read"] + [p["path"] for p in chunk])
        for p, line in zip(chunk, out.strip().splitlines()):
            r = json.loads(line)
            if r.get("error"):
                raise SystemExit(f"{p['path']}: {r['error']}")
            reads[p["image"]] = r["formulas"]

    # 2. the same formulas as perfect crops: each ground-truth quad cut as the engine cuts a detected region
    margin = recognition_margin()
    with tempfile.TemporaryDirectory() as tmp:
        rows = []
        for p in pages:
            rgb = data.read_rgb(p["path"])
            for n, f in enumerate(p["formulas"]):
                name = crop_name(p, n)
                cv2.imwrite(os.path.join(tmp, name), cv2.cvtColor(crop_quad(rgb, with_margin(f["quad"], margin)), cv2.COLOR_RGB2BGR))
                rows.append((name, f["latex"]))
        with open(os.path.join(tmp, "labels.tsv"), "w", encoding="utf-8") as fh:
            fh.writelines(f"{n}\t{l}\n" for n, l in rows)
        preds = os.path.join(tmp, "preds.jsonl")
        run_mathsnap(a.binary, a.models, ["eval", "--single", tmp, "--predictions", preds])
        crop_latex = {}
        for line in open(preds, encoding="utf-8"):
            r = json.loads(line)
            crop_latex[r["image"]] = r["latex"]

    # lost_in_detection: read right as a perfect crop but not found; lost_in_crop: found, read right as a
    # perfect crop, wrong from the detected region (its crop's extent or straightening differ)
    # regions / found also give the engine's detection precision and recall: its own page turns included,
    # regions the recognizer read as nothing left out (as users see them)
    cells = defaultdict(lambda: {"formulas": 0, "page_ok": 0, "crop_ok": 0, "found": 0, "regions": 0,
                                 "lost_in_detection": 0, "lost_in_crop": 0})
    for p in pages:
        pred = reads[p["image"]]
        gt = [np.asarray(f["quad"]) for f in p["formulas"]]
        m = {j: i for _, i, j in G.match_pairs([np.asarray(r["quad"]) for r in pred], gt, a.iou)}  # gt -> region
        for key in (p.get("noise", "all"), "ALL"):
            cells[key]["regions"] += len(pred)
        for n, f in enumerate(p["formulas"]):
            truth = norm(f["latex"])
            crop_ok = norm(crop_latex[crop_name(p, n)]) == truth
            page_ok = n in m and norm(pred[m[n]]["latex"]) == truth
            for key in (p.get("noise", "all"), "ALL"):
                c = cells[key]
                c["formulas"] += 1
                c["found"] += n in m
                c["crop_ok"] += crop_ok
                c["page_ok"] += page_ok
                c["lost_in_detection"] += crop_ok and n not in m
                c["lost_in_crop"] += crop_ok and n in m and not page_ok

    print(f"end-to-end page score on {a.pages} ({len(pages)} pages), quad IoU >= {a.iou}, crops with "
          f"{margin:.2f} x height of margin")
    print(f"{'cell':<14}{'formulas':>9}{'regions':>8}{'det P':>7}{'det R':>7}{'det F1':>7}{'page score':>12}"
          f"{'crop ExpRate':>14}{'gap':>7}{'lost: detection':>17}{'crop':>6}")
    out = {}
    for key in sorted(cells, key=lambda k: (k == "ALL", k)):
        c = cells[key]
        n = max(c["formulas"], 1)
        page, crop = 100 * c["page_ok"] / n, 100 * c["crop_ok"] / n
        precision, recall, f1 = prf(c["found"], c["regions"], c["formulas"])
        out[key] = {**c, "page_score": page, "crop_exprate": crop, "found_rate": 100 * recall,
                    "detection": {"P": precision, "R": recall, "F1": f1}}
        print(f"{key:<14}{c['formulas']:>9}{c['regions']:>8}{precision:>7.3f}{recall:>7.3f}{f1:>7.3f}{page:>11.1f}%"
              f"{crop:>13.1f}%{page - crop:>7.1f}{c['lost_in_detection']:>17}{c['lost_in_crop']:>6}")
    if a.json:
        json.dump(out, open(a.json, "w"), indent=1)


if __name__ == "__main__":
    sys.exit(main())
