"""Formulas sampled from the shared school formula list (train split -> school_train.txt,
val/test -> school_val.txt), pre-filtered once to those whose canonical form is in the vocabulary."""
import functools
import os

from ..labels import ROOT, label_or_none

SHARED = os.path.join(ROOT, "..", "shared", "data", "formulas")
FILES = {"train": "school_train.txt", "val": "school_val.txt", "test": "school_val.txt"}


@functools.lru_cache(maxsize=None)
def pool(split):
    """Usable formulas of a split, in file order (so a seed picks the same one on every machine)."""
    path = os.path.join(SHARED, FILES[split])
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            raw = line.strip()
            if raw and label_or_none(raw) is not None:
                out.append(raw)
    return out


def sample(r, split):
    items = pool(split)
    return r.choice(items)
