"""Print generated formula labels, one a line (no rendering): the input of node/katex_check.mjs.
`python3 -m training.datagen.dump_formulas --count N --seed S [--split train]`; levels follow the spec."""
import argparse
import random

from . import spec as spec_mod
from .formulas.source import sample


def labels(count, seed, split="train", spec=None):
    spec = spec or spec_mod.load()
    levels = spec_mod.allocate(sorted(spec["axes"]["level"].items()), count)
    for level in sorted(levels):
        r = random.Random(f"dump/{seed}/{split}/{level}")
        for _ in range(levels[level]):
            yield sample(r, level, split, spec["sources"])[1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--split", default="train")
    a = ap.parse_args()
    for label in labels(a.count, a.seed, a.split):
        print(label)


if __name__ == "__main__":
    main()
