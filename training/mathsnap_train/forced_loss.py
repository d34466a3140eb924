"""Teacher-forced loss of checkpoints on labelled sets: the mean negative log-likelihood of each label
token given the ones before it, and the share of tokens the model ranks first. Unlike ExpRate it still
separates models trained too briefly to read whole formulas (the short licence runs in MODEL_CARD,
'Data licences').

    python3 -m training.mathsnap_train.forced_loss runs/a/validated.pt runs/b/validated.pt \\
        --set crohme2014=../shared/data/crohme/test2014 --set printed=DIR:LABELS.tsv

A set is NAME=DIR (DIR/labels.tsv) or NAME=DIR:LABELS (a labels file whose paths are relative to DIR).
Labels outside the vocabulary or longer than the model's limit are left out, as in training.
"""
import argparse
import os

import torch

from .data import LabelledSet, Vocab, image_subdir, load_image, make_input, read_labels
from .preprocess import pad_batch
from .export import load_checkpoint
from .train import to_batch


def forced_loss(model, labelled, vocab, batch=16):
    """(mean NLL per token, share of tokens ranked first) over the set's labels, end token included."""
    total, tokens, first = 0.0, 0, 0
    with torch.no_grad():
        for i in range(0, len(labelled.items), batch):
            items = labelled.items[i:i + batch]
            # the batch as training makes it (inputs stored as uint8, as train.py feeds them)
            # (on a wide canvas the batch is as wide as its widest input, padded with empty canvas as training pads)
            inputs = [make_input(load_image(path), max_width=model.max_width) for path, *_ in items]
            x, inp, tgt = to_batch(pad_batch(inputs), [ids for _, ids, *_ in items], vocab)
            logprobs = model(x.float() / 255.0, inp)
            real = tgt != vocab.pad
            total -= float(logprobs.gather(-1, tgt[..., None])[..., 0][real].sum())
            tokens += int(real.sum())
            first += int(((logprobs.argmax(-1) == tgt) & real).sum())
    return total / max(tokens, 1), first / max(tokens, 1)


def labelled_set(spec, vocab):
    name, where = spec.split("=", 1)
    directory, _, labels = where.partition(":")
    if labels:
        return LabelledSet(name, directory, read_labels(labels), vocab)
    return LabelledSet(name, directory, read_labels(os.path.join(directory, "labels.tsv")), vocab,
                       image_subdir(directory))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("checkpoints", nargs="+")
    ap.add_argument("--set", action="append", required=True, metavar="NAME=DIR[:LABELS]")
    args = ap.parse_args(argv)
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
    vocab = Vocab()
    sets = [labelled_set(s, vocab) for s in args.set]
    print("| checkpoint | set | labels | NLL per token | tokens ranked first |\n|---|---|---|---|---|")
    for path in args.checkpoints:
        _, model = load_checkpoint(path, vocab, "l2r")
        for labelled in sets:
            nll, first = forced_loss(model, labelled, vocab)
            print(f"| {path} | {labelled.name} | {len(labelled)} | {nll:.3f} | {100 * first:.1f}% |", flush=True)


if __name__ == "__main__":
    main()
