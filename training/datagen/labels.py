"""Labels are the canonical form (training/mathsnap_train/latex.py) restricted to the vocabulary."""
import functools
import os

from training.mathsnap_train.latex import ROOT, BIG_OPS, FUNCS, ONE, TWO, _group, canonical_tokens, detokenize

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
    if not katex_safe(toks):
        return None
    return detokenize(toks)


# Commands KaTeX refuses as an unbraced script (`x_\max`), which the canonical form produces when it
# unwraps a one-token script: such labels would not render, so they are resampled.
_NOT_BARE_SCRIPT = {"\\" + f for f in FUNCS} | BIG_OPS | set(ONE) | set(TWO)


# Vocabulary tokens KaTeX does not define (found by node/katex_check.mjs over 10,000 samples).
KATEX_UNDEFINED = {"\\overparen"}


def katex_safe(toks):
    if any(t in KATEX_UNDEFINED for t in toks):
        return False
    if any(a in ("^", "_") and b in _NOT_BARE_SCRIPT for a, b in zip(toks, toks[1:])):
        return False
    return not double_script(toks)


def double_script(toks):
    """True for `x_1_2`, `x^2^3` or `x^2'` (a prime is a superscript): KaTeX rejects them."""
    seen, i = set(), 0
    while i < len(toks):
        t = toks[i]
        if t in ("^", "_"):
            if t in seen:
                return True
            seen.add(t)
            i, _ = _group(toks, i + 1)
            continue
        if t == "'":
            if "^" in seen:
                return True
        else:
            seen = set()
        i += 1
    return False
