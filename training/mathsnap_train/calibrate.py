"""Calibrate the engine's confidence: fit p(exact) = sigmoid(slope * ln(raw score) + bias) on held-out
training-side crops read through the engine, write it into a models folder's manifest
(`recognizer.calibration`, applied by src/recognizer/calibration.rs), and print reliability tables.

    python3 -m training.mathsnap_train.calibrate --models models            # build the set, fit, write
    python3 -m training.mathsnap_train.calibrate --reliability P.jsonl ...  # tables of eval predictions

The calibration set never touches an evaluation set: the CROHME *train* hold-out (300 crops the
trainer never trains on), the data pack's synth-val (300, through a seeded noise cell), and 300
school_train formulas outside the TeX training pack typeset by TeX in the training families and
photographed by the camera model. The app's levels come from the calibrated probability: "high"
from HIGH up (the share of readings at that level that should be exactly right), "low" below LOW.
"""
import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile

import cv2
import numpy as np

from .data import Vocab, coverage_set, crohme_train_split, sample_image
from .latex import ROOT, canonical, canonical_tokens

HIGH, LOW = 0.9, 0.6  # www/lib/formula.js reads the same levels
CACHE = os.path.join(ROOT, "..", "cache")


def build_set(out, pack, seed=11, n=300):
    """The calibration crops in `out` with a labels.tsv (`<image>\\t<latex>\\t<source>`)."""
    from training.datagen import camera, tex_render
    from training.datagen.labels import vocab as datagen_vocab
    vocab = Vocab()
    rows = []
    _, holdout = crohme_train_split(vocab, directory=os.path.join(pack, "crohme"))
    os.makedirs(os.path.join(out, "crohme"), exist_ok=True)
    for k, (path, _ids, latex, _cell) in enumerate(holdout.items[:n]):
        name = f"crohme/{k:04d}.png"
        shutil.copy(path, os.path.join(out, name))
        rows.append((name, latex, "crohme-train hold-out"))
    synth = coverage_set(vocab, os.path.join(pack, "synth-val"))
    os.makedirs(os.path.join(out, "synth"), exist_ok=True)
    for k in range(min(n, len(synth))):
        name = f"synth/{k:04d}.png"
        cv2.imwrite(os.path.join(out, name), cv2.cvtColor(sample_image(synth, k, random.Random(seed * 1000 + k)),
                                                          cv2.COLOR_RGB2BGR))
        rows.append((name, synth.items[k][2], "synth-val"))
    # school_train formulas the TeX training pack did not draw (it takes the first 20,000 of its own shuffle)
    in_pack = set()
    pack_tex = os.path.join(CACHE, "pack-tex", "synth", "labels.tsv")
    if os.path.exists(pack_tex):
        in_pack = {line.split("\t")[1] for line in open(pack_tex, encoding="utf-8")}
    v = datagen_vocab()
    lines = [ln.strip() for ln in open(os.path.join(ROOT, "..", "shared", "data", "formulas", "school_train.txt"),
                                      encoding="utf-8") if ln.strip()]
    random.Random(seed).shuffle(lines)
    chosen = [ln for ln in lines if canonical(ln) not in in_pack and 0 < len(canonical_tokens(ln)) <= 120
              and all(t in v for t in canonical_tokens(ln))][:n]
    os.makedirs(os.path.join(out, "tex"), exist_ok=True)
    rng = random.Random(seed)
    for a in range(0, len(chosen), 100):
        part = chosen[a:a + 100]
        family = tex_render.TRAIN_FAMILIES[(a // 100) % len(tex_render.TRAIN_FAMILIES)]
        for k, (latex, (img, xh)) in enumerate(zip(part, tex_render.render_batch(part, family, dpi=340))):
            if img is None:
                continue
            g = np.random.default_rng([seed, a + k])
            pad = int(round(xh * rng.uniform(0.3, 1.5)))
            page = np.repeat((np.pad(img, pad, constant_values=255).astype(np.float32) / 255)[..., None], 3, axis=2)
            photo = camera.photograph(g, page, xh) if rng.random() < 0.7 else page
            name = f"tex/{a + k:04d}.png"
            cv2.imwrite(os.path.join(out, name), cv2.cvtColor((photo * 255 + 0.5).astype(np.uint8), cv2.COLOR_RGB2BGR))
            rows.append((name, canonical(latex), "printed photos (TeX)"))
    with open(os.path.join(out, "labels.tsv"), "w", encoding="utf-8") as fh:
        fh.writelines(f"{a}\t{b}\t{c}\n" for a, b, c in rows)
    return len(rows)


def read_raw(models, directory, exe, beam=3):
    """Eval predictions of the engine with the calibration taken out of a copy of the manifest."""
    with tempfile.TemporaryDirectory() as tmp:
        raw_models = os.path.join(tmp, "models")
        shutil.copytree(models, raw_models)
        man = json.load(open(os.path.join(raw_models, "manifest.json")))
        man["recognizer"].pop("calibration", None)
        json.dump(man, open(os.path.join(raw_models, "manifest.json"), "w"), indent=1)
        preds = os.path.join(tmp, "p.jsonl")
        subprocess.run([exe, "--models", raw_models, "--beam", str(beam), "eval", "--single", directory,
                        "--predictions", preds], check=True, capture_output=True)
        return [json.loads(line) for line in open(preds, encoding="utf-8")]


def fit_platt(scores, exact, iterations=100):
    """(slope, bias) of sigmoid(slope * ln(score) + bias) by Newton's method on the log loss."""
    x = np.log(np.maximum(np.asarray(scores, np.float64), 1e-6))
    y = np.asarray(exact, np.float64)
    w = np.zeros(2)
    X = np.stack([x, np.ones_like(x)], 1)
    for _ in range(iterations):
        p = 1 / (1 + np.exp(-(X @ w)))
        grad = X.T @ (p - y)
        hess = X.T @ (X * (p * (1 - p))[:, None]) + 1e-6 * np.eye(2)
        w -= np.linalg.solve(hess, grad)
    return float(max(w[0], 0.0)), float(w[1])


def apply(slope, bias, scores):
    return 1 / (1 + np.exp(-(slope * np.log(np.maximum(np.asarray(scores, np.float64), 1e-6)) + bias)))


def reliability(rows, title):
    """Markdown lines: per level, how many readings reach it and how many of those are exactly right."""
    lines = [f"| {title} | readings | share | exactly right |"]
    for name, lo, hi in (("high", HIGH, 1.01), ("medium", LOW, HIGH), ("low", -1, LOW)):
        at = [r for r in rows if lo <= (r["score"] if r["score"] is not None else 0.0) < hi]
        right = sum(r["edit"] == 0 for r in at)
        lines.append(f"| {name} | {len(at)} | {100.0 * len(at) / max(len(rows), 1):.1f}% | "
                     + (f"{100.0 * right / len(at):.1f}%" if at else "–") + " |")
    return lines


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--models", default=os.path.join(ROOT, "models"))
    ap.add_argument("--set", default=os.path.join(CACHE, "calibration"))
    ap.add_argument("--pack", default=os.path.join(CACHE, "pack"))
    ap.add_argument("--bin", default=os.environ.get("MATHSNAP_BIN", os.path.join(ROOT, "target", "release", "mathsnap")))
    ap.add_argument("--reliability", nargs="+", metavar="PREDICTIONS", help="print tables of eval --predictions files")
    a = ap.parse_args(argv)
    if a.reliability:
        for path in a.reliability:
            rows = [json.loads(line) for line in open(path, encoding="utf-8")]
            print("\n".join(reliability(rows, os.path.basename(path))), "\n")
        return
    if not os.path.exists(os.path.join(a.set, "labels.tsv")):
        print(f"calibrate: {build_set(a.set, a.pack)} crops -> {a.set}", file=sys.stderr)
    rows = read_raw(a.models, a.set, a.bin)
    scores = [r["score"] if r["score"] is not None else 0.0 for r in rows]
    slope, bias = fit_platt(scores, [r["edit"] == 0 for r in rows])
    for r, p in zip(rows, apply(slope, bias, scores)):
        r["score"] = float(p)
    man_path = os.path.join(a.models, "manifest.json")
    man = json.load(open(man_path))
    man["recognizer"]["calibration"] = {"slope": round(slope, 4), "bias": round(bias, 4)}
    json.dump(man, open(man_path, "w"), indent=1)
    print(f"calibration: slope {slope:.4f}, bias {bias:.4f} from {len(rows)} crops -> {man_path}")
    print("\n".join(reliability(rows, "calibration set")))


if __name__ == "__main__":
    main()
