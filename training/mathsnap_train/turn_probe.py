"""The upside-down probe: is a formula crop upright or turned round? Fitted on the shipped encoder's
output, written into the manifest (`recognizer.upside_down`), applied by src/recognizer/upside_down.rs.

Why: a page photographed upside down (or on its side, turned the wrong quarter) looks like an upright
page to the detector, and its text lines often cannot say which way is up. The engine used to read
the largest formulas again turned round and compare the recognizer's confidence; but upside-down
formulas are often read 0.8-0.9 confident, and the probes cost up to three more crop reads. The
encoder has already looked at every crop: its memory, averaged along each row of slots (a row per
band of the formula's height), says which way up the ink is: digits, letters, the baseline's side.
A logistic regression on those row means is free at reading time.

Crops: the data engine's rendered formulas (the pack's `synth`, each drawn through a noise cell as
training draws it) and CROHME *train* handwriting, each upright and turned round; validated on the
CROHME-train hold-out and the pack's `synth-val`. Never on evaluation sets.

    python3 -m training.mathsnap_train.turn_probe --models models --pack ../cache/pack --write
"""
import argparse
import json
import os
import random

import numpy as np

from .calibrate import fit_logistic
from .data import Vocab, coverage_set, crohme_train_split, load_image, sample_image
from .latex import ROOT
from .preprocess import prepare

RIDGE = 30.0  # on standardised row means: held-out accuracy is flat from 3 to 300, the weights smaller


def row_means(memory, rows):
    """[slots, dim] encoder memory -> [rows * dim] means of each row of slots (slots are row-major)."""
    slots, dim = memory.shape
    return memory.reshape(rows, slots // rows, dim).mean(1).reshape(-1)


class Encoder:
    def __init__(self, models):
        import onnxruntime as ort
        manifest = json.load(open(os.path.join(models, "manifest.json")))
        rec = manifest["recognizer"]
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = 1
        self.session = ort.InferenceSession(os.path.join(models, rec["encoder"]), opts)
        self.margin = rec.get("frame_margin")
        # the encoder's slots are a grid of the input shrunk by the same factor both ways
        stride = int(round((rec["input_height"] * rec["input_width"] / rec["slots"]) ** 0.5))
        self.rows = rec["input_height"] // stride
        # a long formula on its wide canvas where the model has one, as the engine reads it (the engine's
        # probe averages each row over however many slots the canvas gives)
        self.max_width = rec.get("input_max_width", rec["input_width"])

    def features(self, rgb):
        x = prepare(rgb, margin=self.margin, max_width=self.max_width)[None, None].astype(np.float32)
        memory = self.session.run(["memory"], {"image": x})[0][0]
        return row_means(memory, self.rows)


def turned_pairs(encoder, images):
    """Features of each image upright (label 0) and turned round (label 1)."""
    X, y = [], []
    for img in images:
        for turned in (0, 1):
            X.append(encoder.features(np.ascontiguousarray(img[::-1, ::-1]) if turned else img))
            y.append(turned)
    return np.array(X), np.array(y, np.float64)


def crops(vocab, pack, n_synth, n_crohme, seed):
    """(training images, {validation set name: images})."""
    rng = random.Random(seed)
    synth = coverage_set(vocab, os.path.join(pack, "synth"))
    synth_val = coverage_set(vocab, os.path.join(pack, "synth-val"))
    crohme, held = crohme_train_split(vocab, directory=os.path.join(pack, "crohme"))
    pick = lambda s, n: rng.sample(range(len(s)), min(n, len(s)))
    train = [sample_image(synth, k, rng) for k in pick(synth, n_synth)]
    train += [load_image(crohme.items[k][0]) for k in pick(crohme, n_crohme)]
    val = {
        "synth-val": [sample_image(synth_val, k, rng) for k in range(len(synth_val))],
        "crohme-train hold-out": [load_image(path) for path, *_ in held.items],
    }
    return train, val


def fit(X, y, ridge=RIDGE):
    """Weights and bias on the raw row means (the standardisation folded in)."""
    mean, scale = X.mean(0), X.std(0) + 1e-6
    Z = np.hstack([(X - mean) / scale, np.ones((len(X), 1))])
    w = fit_logistic(Z, y, ridge=ridge)
    weights = w[:-1] / scale
    return weights, float(w[-1] - weights @ mean)


def report(name, X, y, weights, bias):
    z = X @ weights + bias
    crop = ((z > 0) == (y > 0.5)).mean()
    pair = (z[1::2] > z[0::2]).mean()  # each crop turned round scores above itself upright
    print(f"| {name} | {len(y) // 2} | {100 * crop:.1f}% | {100 * pair:.1f}% |")
    return crop


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--models", default=os.path.join(ROOT, "models"))
    ap.add_argument("--pack", default=os.path.join(ROOT, "..", "cache", "pack"))
    ap.add_argument("--synth", type=int, default=2500)
    ap.add_argument("--crohme", type=int, default=2500)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--write", action="store_true", help="write the probe into the models' manifest")
    args = ap.parse_args(argv)
    encoder = Encoder(args.models)
    train, val = crops(Vocab(), args.pack, args.synth, args.crohme, args.seed)
    X, y = turned_pairs(encoder, train)
    weights, bias = fit(X, y)
    print("| crops | formulas | each crop right | turned round scores higher |\n|---|---|---|---|")
    report("training crops", X, y, weights, bias)
    for name, images in val.items():
        report(name, *turned_pairs(encoder, images), weights, bias)
    if args.write:
        path = os.path.join(args.models, "manifest.json")
        manifest = json.load(open(path))
        manifest["recognizer"]["upside_down"] = {
            "rows": encoder.rows,
            "weights": [round(float(v), 7) for v in weights],
            "bias": round(bias, 6),
        }
        json.dump(manifest, open(path, "w"), indent=1)
        print(f"written into {path}")


if __name__ == "__main__":
    main()
