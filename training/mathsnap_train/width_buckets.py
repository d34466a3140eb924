"""ExpRate of an evaluation split by how much fitting into the input canvas shrinks each crop: what a
wider input could buy (MODEL_CARD, 'How much a wider input would buy').

    target/release/mathsnap --models models --beam 3 --threads 1 eval --single --predictions P.jsonl SET
    python3 -m training.mathsnap_train.width_buckets P.jsonl SET

A crop is framed as the engine frames it (preprocess.frame_bounds) and fitted into HEIGHT x WIDTH; one
wider than WIDTH / HEIGHT times its height is shrunk below its height's scale by that ratio."""
import argparse
import json
import os

import cv2

from .preprocess import HEIGHT, WIDTH, frame_bounds

BUCKETS = [(1.0, "fit at full height"), (2 / 3, "shrunk to 2/3 or more"), (0.5, "shrunk to 1/2-2/3"),
           (0.0, "shrunk below 1/2")]


def shrink(gray):
    """How much the fit shrinks the framed crop below its height's scale (1.0: not at all)."""
    top, bottom, left, right = frame_bounds(gray)
    aspect = (right - left) / max(bottom - top, 1)
    return min(1.0, (WIDTH / HEIGHT) / aspect)


def bucket_of(factor):
    return next(name for floor, name in BUCKETS if factor >= floor)


def table(predictions, directory):
    counts = {name: [0, 0] for _, name in BUCKETS}
    for p in predictions:
        gray = cv2.imread(os.path.join(directory, p["image"]), cv2.IMREAD_GRAYSCALE)
        if gray is None:
            raise SystemExit(f"cannot read {p['image']} in {directory}")
        c = counts[bucket_of(shrink(gray))]
        c[0] += 1
        c[1] += p["edit"] == 0
    total = sum(n for n, _ in counts.values())
    lines = ["| crops | share | ExpRate |", "|---|---|---|"]
    lines += [f"| {name} | {100 * n / total:.0f}% | {100 * ok / n:.1f}% |" for name, (n, ok) in counts.items() if n]
    return lines


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("predictions", help="mathsnap eval --single --predictions output (JSON lines)")
    ap.add_argument("directory", help="the evaluated set's folder (its image paths are relative to it)")
    a = ap.parse_args(argv)
    with open(a.predictions, encoding="utf-8") as f:
        predictions = [json.loads(line) for line in f if line.strip()]
    print("\n".join(table(predictions, a.directory)))


if __name__ == "__main__":
    main()
