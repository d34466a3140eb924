"""One formula for a level: from the level's grammar or the school list (per the spec's `sources`),
returned as (text to render, canonical label). Formulas whose label falls outside the vocabulary are
resampled, so callers never see one."""
from ..labels import label_or_none
from . import elementary, middle, high, school, symbols

GRAMMARS = {"elementary": elementary.generate, "middle": middle.generate, "high": high.generate}


def sample(r, level, split, sources):
    mix = sources[level]
    for _ in range(50):
        # the symbols share is drawn only where the spec gives one, so levels without it keep their sequences
        if mix.get("symbols", 0.0) and r.random() < mix["symbols"]:
            raw = symbols.generate(r)
        elif r.random() < mix.get("school", 0.0):
            raw = school.sample(r, split)
        else:
            raw = GRAMMARS[level](r)
        label = label_or_none(raw)
        if label is not None:
            return raw, label
    raise RuntimeError(f"no in-vocab formula for {level} after 50 tries")
