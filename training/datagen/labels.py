"""Labels are the canonical form (training/mathsnap_train/latex.py) restricted to the vocabulary."""
import functools
import os

from training.mathsnap_train.latex import ROOT, canonical_tokens, detokenize

MAX_TOKENS = 160  # the recognizer decodes 200+ tokens; leave headroom for the end token and beams


@functools.lru_cache(maxsize=1)
def vocab():
    with open(os.path.join(ROOT, "spec", "vocab.txt"), encoding="utf-8") as f:
        return frozenset(line.rstrip("\n") for line in f if line.strip())


def label_or_none(raw):
    """The canonical label of `raw`, or None when it is empty, too long or has an out-of-vocab token."""
    toks = canonical_tokens(raw)
    if not toks or len(toks) > MAX_TOKENS:
        return None
    v = vocab()
    if any(t not in v or t in ("<pad>", "<s>", "</s>", "<unk>") for t in toks):
        return None
    return detokenize(toks)
