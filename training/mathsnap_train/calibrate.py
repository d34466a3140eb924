"""Calibrate the engine's confidence: fit p(exact) = sigmoid(bias + sum of weight x feature) over the beam's
evidence (the features `mathsnap eval --single --predictions` writes: the mean and the weakest token
log-probability, the closest call, the length; src/recognizer/calibration.rs) on held-out training-side
crops read through the engine, write it into a models folder's manifest (`recognizer.calibration`, applied
by the engine), and print reliability tables. Which features it weighs is chosen by 5-fold cross-validation
on the same crops: the fewest that come within CV_TOLERANCE of the best held-out log loss.

    python3 -m training.mathsnap_train.calibrate --models models            # build the set, fit, write
    python3 -m training.mathsnap_train.calibrate --reliability P.jsonl ...  # tables of eval predictions

The calibration set never touches an evaluation set: the CROHME *train* hold-out's formulas that training
never has (145 of its 300 crops: the trainer never trains on the hold-out, but half its formulas are in
training by other writers, and those read twice as well), once as they are and once through the
training augmentation's photo look (thicker strokes, paper, shadow, blur), the data pack's synth-val
(300, through a seeded noise cell), and 300 school_train formulas outside the TeX training pack typeset
by TeX in the training families and photographed by the camera model. The app's levels come from the calibrated probability: "high"
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

from .data import Vocab, augment, coverage_set, crohme_train_split, load_image, novel_formulas, sample_image
from .latex import ROOT, canonical, canonical_tokens

HIGH, LOW = 0.9, 0.6  # www/lib/formula.js reads the same levels
# the evidence the engine reports for each reading (src/recognizer/calibration.rs, Evidence::FEATURES)
FEATURES = ("ln_score", "weakest", "closest", "ln_tokens")
CACHE = os.path.join(ROOT, "..", "cache")
# the crops (built on first use); a new name whenever what goes into them changes, so that a machine's
# older set is not fitted on by mistake ("calibration": the whole CROHME hold-out, before 2026-12-07)
CALIBRATION_SET = os.path.join(CACHE, "calibration-novel")


def build_set(out, pack, seed=11, n=300):
    """The calibration crops in `out` with a labels.tsv (`<image>\\t<latex>\\t<source>`)."""
    from training.datagen import camera, tex_render
    from training.datagen.labels import vocab as datagen_vocab
    from training.datagen.tex_pack import TEX_PACKS, packed_labels
    vocab = Vocab()
    rows = []
    train, holdout = crohme_train_split(vocab, directory=os.path.join(pack, "crohme"))
    # only formulas training never has: the hold-out's others (half of it) are read twice as well, and
    # made the curve confident on handwriting that users' new formulas do not earn (data.novel_formulas)
    novel = [holdout.items[k] for k in novel_formulas(train, holdout)][:n]
    os.makedirs(os.path.join(out, "crohme"), exist_ok=True)
    for k, (path, _ids, latex, _cell) in enumerate(novel):
        name = f"crohme/{k:04d}.png"
        shutil.copy(path, os.path.join(out, name))
        rows.append((name, latex, "crohme-train hold-out"))
    # the same handwriting as a phone sees it: real photos of handwriting read far worse than scans
    os.makedirs(os.path.join(out, "crohme-photo"), exist_ok=True)
    for k, (path, _ids, latex, _cell) in enumerate(novel):
        name = f"crohme-photo/{k:04d}.png"
        photo = augment(load_image(path), random.Random(seed * 1000 + 500 + k), True, photo_share=1.0)
        cv2.imwrite(os.path.join(out, name), cv2.cvtColor(photo, cv2.COLOR_RGB2BGR))
        rows.append((name, latex, "crohme-train hold-out, photographed"))
    synth = coverage_set(vocab, os.path.join(pack, "synth-val"))
    os.makedirs(os.path.join(out, "synth"), exist_ok=True)
    for k in range(min(n, len(synth))):
        name = f"synth/{k:04d}.png"
        cv2.imwrite(os.path.join(out, name), cv2.cvtColor(sample_image(synth, k, random.Random(seed * 1000 + k)),
                                                          cv2.COLOR_RGB2BGR))
        rows.append((name, synth.items[k][2], "synth-val"))
    # school_train formulas no TeX training pack typeset (the first takes 20,000 of its own shuffle, the second
    # 16,000 of the rest: tex_pack.py)
    in_pack = set()
    for name in TEX_PACKS:
        if os.path.isdir(os.path.join(CACHE, name)):
            in_pack |= packed_labels(os.path.join(CACHE, name))
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


def read_predictions(models, directory, exe, edit_manifest, beam=3):
    """Eval predictions of the engine on `directory`, with `edit_manifest` applied to the recognizer entry
    of a copy of the manifest (the models themselves are not touched)."""
    with tempfile.TemporaryDirectory() as tmp:
        copy = os.path.join(tmp, "models")
        shutil.copytree(models, copy)
        path = os.path.join(copy, "manifest.json")
        man = json.load(open(path))
        edit_manifest(man["recognizer"])
        json.dump(man, open(path, "w"), indent=1)
        preds = os.path.join(tmp, "p.jsonl")
        subprocess.run([exe, "--models", copy, "--beam", str(beam), "eval", "--single", directory,
                        "--predictions", preds], check=True, capture_output=True)
        return [json.loads(line) for line in open(preds, encoding="utf-8")]


def read_raw(models, directory, exe, beam=3):
    """Eval predictions of the engine with the calibration taken out of a copy of the manifest (and the
    first-view gate, which weighs the calibrated confidence: every view of every crop is read)."""
    def uncalibrated(recognizer):
        recognizer.pop("calibration", None)
        recognizer.pop("first_view_sure", None)
    return read_predictions(models, directory, exe, uncalibrated, beam)


def design(rows, features):
    """The feature matrix (one column per feature, then a column of ones) of eval predictions."""
    return np.array([[r["evidence"][f] for f in features] + [1.0] for r in rows], np.float64)


def fit_logistic(X, y, ridge=1e-2, iterations=100):
    """Weights of sigmoid(X @ w) by Newton's method on the log loss, with a small ridge on all but the
    last column (the bias) so that a feature the set cannot tell apart stays near 0."""
    y = np.asarray(y, np.float64)
    w = np.zeros(X.shape[1])
    penalty = ridge * np.eye(X.shape[1])
    penalty[-1, -1] = 1e-9
    for _ in range(iterations):
        p = 1 / (1 + np.exp(-(X @ w)))
        grad = X.T @ (p - y) + penalty @ w
        hess = X.T @ (X * (p * (1 - p))[:, None]) + penalty
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-9:
            break
    return w


CV_TOLERANCE = 0.001  # nats per reading: a feature must buy more than this to be weighed


def cross_validated_loss(rows, features, folds=5, seed=0):
    """Mean log loss of the fit on held-out folds of `rows`."""
    order = list(range(len(rows)))
    random.Random(seed).shuffle(order)
    total = 0.0
    for f in range(folds):
        test = [rows[i] for i in order[f::folds]]
        train = [rows[i] for j, i in enumerate(order) if j % folds != f]
        p = np.clip(apply(fit(train, features), test), 1e-6, 1 - 1e-6)
        y = np.array([r["edit"] == 0 for r in test])
        total -= np.sum(y * np.log(p) + (1 - y) * np.log(1 - p))
    return total / len(rows)


def choose_features(rows):
    """The raw score and the fewest other features within CV_TOLERANCE of the best cross-validated loss."""
    from itertools import combinations
    others = [f for f in FEATURES if f != "ln_score"]
    subsets = [("ln_score",) + c for k in range(len(others) + 1) for c in combinations(others, k)]
    losses = {s: cross_validated_loss(rows, s) for s in subsets}
    best = min(losses.values())
    return min((s for s in subsets if losses[s] <= best + CV_TOLERANCE), key=lambda s: (len(s), losses[s])), losses


def fit(rows, features=FEATURES):
    """The manifest's calibration fitted on eval predictions: {"bias", "weights": {feature: weight}}."""
    w = fit_logistic(design(rows, features), [r["edit"] == 0 for r in rows])
    return {"bias": round(float(w[-1]), 4), "weights": {f: round(float(x), 4) for f, x in zip(features, w)}}


def apply(calibration, rows):
    """The calibrated confidence of each eval prediction, as the engine computes it from the evidence it
    wrote (already in the ranges it weighs: Evidence::clamped). The first calibrations' {"slope", "bias"}
    is a weight on ln_score alone."""
    weights = calibration.get("weights") or {"ln_score": calibration["slope"]}
    X = design(rows, list(weights))
    return 1 / (1 + np.exp(-(X @ np.array(list(weights.values()) + [calibration["bias"]]))))


def reliability(rows, title):
    """Markdown lines: per level, how many readings reach it and how many of those are exactly right."""
    lines = [f"| {title} | readings | share | exactly right |"]
    for name, lo, hi in (("high", HIGH, 1.01), ("medium", LOW, HIGH), ("low", -1, LOW)):
        at = [r for r in rows if lo <= (r["score"] if r["score"] is not None else 0.0) < hi]
        right = sum(r["edit"] == 0 for r in at)
        lines.append(f"| {name} | {len(at)} | {100.0 * len(at) / max(len(rows), 1):.1f}% | "
                     + (f"{100.0 * right / len(at):.1f}%" if at else "–") + " |")
    return lines


def sharpness(rows):
    """How well the scores tell right readings from wrong ones, beyond the levels: log loss and Brier score
    of the score as the probability of an exact reading (lower is better), and the ranking's AUC."""
    p = np.clip(np.array([r["score"] if r["score"] is not None else 0.0 for r in rows], np.float64), 1e-6, 1 - 1e-6)
    y = np.array([r["edit"] == 0 for r in rows])
    loss = float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))
    brier = float(np.mean((p - y) ** 2))
    ranks = np.empty(len(p))
    ranks[np.argsort(p, kind="stable")] = np.arange(len(p))
    pairs = y.sum() * (~y).sum()
    auc = float((ranks[y].sum() - y.sum() * (y.sum() - 1) / 2) / pairs) if pairs else float("nan")
    return f"log loss {loss:.3f}, Brier {brier:.3f}, AUC {auc:.3f}"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--models", default=os.path.join(ROOT, "models"))
    ap.add_argument("--set", default=CALIBRATION_SET)
    ap.add_argument("--pack", default=os.path.join(CACHE, "pack"))
    ap.add_argument("--bin", default=os.environ.get("MATHSNAP_BIN", os.path.join(ROOT, "target", "release", "mathsnap")))
    ap.add_argument("--reliability", nargs="+", metavar="PREDICTIONS", help="print tables of eval --predictions files")
    a = ap.parse_args(argv)
    if a.reliability:
        for path in a.reliability:
            rows = [json.loads(line) for line in open(path, encoding="utf-8")]
            print("\n".join(reliability(rows, os.path.basename(path))))
            print(sharpness(rows), "\n")
        return
    if not os.path.exists(os.path.join(a.set, "labels.tsv")):
        print(f"calibrate: {build_set(a.set, a.pack)} crops -> {a.set}", file=sys.stderr)
    rows = read_raw(a.models, a.set, a.bin)
    if rows and all(r.get("evidence") is None for r in rows):
        sys.exit("calibrate: the engine wrote no evidence (a mathsnap built before it did?)")
    failed = [r["image"] for r in rows if r.get("evidence") is None]
    if failed:
        print(f"calibrate: {len(failed)} crops could not be read, left out: {', '.join(failed[:5])}", file=sys.stderr)
    # a crop read as blank has no reading to be sure of: the engine reports no score for it, so it is
    # not fitted either (it still counts as a wrong reading in the tables)
    read = [r for r in rows if r.get("evidence") is not None and r["latex"]]
    features, losses = choose_features(read)
    for subset, loss in sorted(losses.items(), key=lambda kv: kv[1]):
        print(f"  cross-validated log loss {loss:.4f}: {', '.join(subset)}")
    calibration = fit(read, features)
    if calibration["weights"]["ln_score"] < 0:
        sys.exit(f"calibrate: the fit weighs the raw score against itself ({calibration}); not written")
    for r, p in zip(read, apply(calibration, read)):
        r["score"] = float(p)
    man_path = os.path.join(a.models, "manifest.json")
    man = json.load(open(man_path))
    man["recognizer"]["calibration"] = calibration
    json.dump(man, open(man_path, "w"), indent=1)
    print(f"calibration: {calibration} from {len(read)} crops read ({len(rows)} in the set) -> {man_path}")
    print("\n".join(reliability(rows, "calibration set")))


if __name__ == "__main__":
    main()
