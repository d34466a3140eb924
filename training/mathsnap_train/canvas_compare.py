"""What the wide canvas buys a model: the same weights read each crop of a labelled set twice, squeezed
into 64 x 256 and on the model's own canvas (preprocess.canvas_width), greedy in PyTorch, scored with
the shared scorer's normalisation; split by whether the crop gets a wider canvas at all.

    python3 -m training.mathsnap_train.canvas_compare CKPT SET [--conditions clean,photo]

A model trained on the wide canvas (train.py --max-width) only; SET is a folder with labels.tsv (the
printed-photo dev set: evaluation only, never trained on).
"""
import argparse
import os
import sys

import torch

from .data import Vocab, image_file, image_subdir, load_image, make_input, read_labels
from .export import load_checkpoint
from .latex import detokenize
from .model import greedy
from .preprocess import WIDTH
from .train import scorer_norm


def read(model, vocab, x):
    """The greedy reading of one prepared input (make_input's array)."""
    with torch.no_grad():
        return detokenize(vocab.decode(greedy(model, torch.from_numpy(x)[None, None], vocab.bos, vocab.eos)[0]))


def compare(model, vocab, rows, directory, norm):
    """{(canvas, 'fits' | 'wider'): [right, count]} for canvas 'squeezed' (64 x 256) and 'wide'."""
    counts = {}
    for name, label, _ in rows:
        img = load_image(os.path.join(directory, image_subdir(directory), image_file(name)))
        inputs = {"squeezed": make_input(img, max_width=WIDTH), "wide": make_input(img, max_width=model.max_width)}
        kind = "wider" if inputs["wide"].shape[1] > WIDTH else "fits"
        for canvas, x in inputs.items():
            right = norm(read(model, vocab, x)) == norm(label)
            c = counts.setdefault((canvas, kind), [0, 0])
            c[0] += right
            c[1] += 1
    return counts


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("checkpoint")
    ap.add_argument("set", help="a folder with labels.tsv")
    ap.add_argument("--conditions", default="", help="only these labels.tsv conditions (comma-separated)")
    a = ap.parse_args(argv)
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
    vocab = Vocab()
    _, model = load_checkpoint(a.checkpoint, vocab, "l2r")
    if model.max_width <= WIDTH:
        sys.exit(f"{a.checkpoint} was trained on 64 x {WIDTH} only: there is no wider canvas to compare")
    rows = read_labels(os.path.join(a.set, "labels.tsv"))
    if a.conditions:
        keep = set(a.conditions.split(","))
        rows = [r for r in rows if r[2] in keep]
    counts = compare(model, vocab, rows, a.set, scorer_norm())
    print(f"| canvas | crops that fit 64 x {WIDTH} | crops that get a wider canvas | all |")
    print("|---|---|---|---|")
    for canvas in ("squeezed", "wide"):
        cells = [counts.get((canvas, k), [0, 0]) for k in ("fits", "wider")]
        right, total = sum(c[0] for c in cells), sum(c[1] for c in cells)
        label = f"64 x {WIDTH}" if canvas == "squeezed" else f"up to 64 x {model.max_width}"
        print(f"| {label} | " + " | ".join(f"{c[0]}/{c[1]}" for c in cells) + f" | {100 * right / max(total, 1):.1f}% |")


if __name__ == "__main__":
    main()
