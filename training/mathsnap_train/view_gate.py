"""Choose when the engine may keep a reading of a crop's first view alone (the manifest's
`recognizer.first_view_sure`, applied in `Engine::read_crop`).

The engine reads each crop at the manifest's `view_scales` and averages the views' token
log-probabilities: the second view buys a point or two on handwriting and doubles the crop's cost. Most
printed crops are read right by the first view alone, and the calibrated confidence says which: a
first-view reading at least `first_view_sure` confident is kept, and only the others are read with
every view (the beam gives the first view up as soon as no path can reach the level, so an unsure
crop costs a few steps more, not a second whole reading).

The level is chosen on the calibration crops (calibrate.py's set: CROHME *train* hold-out, as it is and
photographed, synth-val, school formulas typeset by TeX and photographed; never an evaluation set): the
lowest of LEVELS at which, and at every level above it, the crops read that way are right at least as
often as when every crop is read with every view, overall and on each kind of crop (its folder in the
set) to within one reading. Breaking even overall is not enough: there the gate can trade printed
crops for handwritten ones (at 0.6 the set broke even overall while its printed kinds lost, and the
page sets lost 0.4 points). Requiring every level above to hold too keeps the choice away from a level
where the curve merely dips to par.

    python3 -m training.mathsnap_train.view_gate --models models     # read the crops both ways, choose, write

Run it after calibrate.py (the gate weighs the calibrated confidence) whenever either changes.
"""
import argparse
import json
import os
import sys

from .calibrate import CALIBRATION_SET, read_predictions
from .latex import ROOT

LEVELS = [round(0.5 + 0.05 * k, 2) for k in range(10)]  # 0.50 .. 0.95


def read(models, directory, exe, first_view_only, beam=3):
    """Eval predictions of the engine on `directory` without the gate, by image: with every view, or
    with the first view alone."""
    def ungated(recognizer):
        recognizer.pop("first_view_sure", None)
        if first_view_only:
            recognizer["view_scales"] = recognizer.get("view_scales", [1.0])[:1]
    return {r["image"]: r for r in read_predictions(models, directory, exe, ungated, beam)}


def right(row):
    return row.get("edit") == 0


# readings a kind of crop may lose at the chosen level: one is the noise of a few hundred crops
TOLERANCE = 1


def kind(name):
    """The kind of a calibration crop: the folder its image is in."""
    return name.rsplit("/", 1)[0] if "/" in name else ""


def gated(first, every, level):
    """(readings right, readings kept from the first view) when a first-view reading at least `level`
    confident is kept and every other crop is read with every view."""
    kept = {k for k in every if (first[k].get("score") or 0.0) >= level}
    n_right = sum(right(first[k]) if k in kept else right(every[k]) for k in every)
    return n_right, len(kept)


def loses_nothing(first, every, level):
    """Whether the gate at `level` is right as often as every view overall, and on each kind of crop to
    within TOLERANCE readings."""
    if gated(first, every, level)[0] < sum(right(r) for r in every.values()):
        return False
    for k in {kind(name) for name in every}:
        these = {name: r for name, r in every.items() if kind(name) == k}
        if gated(first, these, level)[0] < sum(right(r) for r in these.values()) - TOLERANCE:
            return False
    return True


def choose(first, every, levels=LEVELS):
    """The lowest level at and above which the gate loses nothing (`loses_nothing`); None if none."""
    chosen = None
    for level in sorted(levels, reverse=True):
        if not loses_nothing(first, every, level):
            break
        chosen = level
    return chosen


def table(first, every, levels=LEVELS):
    """Readings right with the gate at each level, overall and per kind of crop (every view's in the
    first row), and the share read from the first view alone."""
    kinds = sorted({kind(name) for name in every})
    subsets = [every] + [{n: r for n, r in every.items() if kind(n) == k} for k in kinds]
    header = ["all"] + [k or "(top)" for k in kinds]
    lines = ["| level | " + " | ".join(f"right: {h}" for h in header) + " | first view alone |",
             "|---" * (len(header) + 2) + "|",
             "| every view | " + " | ".join(f"{sum(right(r) for r in sub.values()) / len(sub):.1%}"
                                          for sub in subsets) + " | 0% |"]
    for level in levels:
        cells = [f"{gated(first, sub, level)[0] / len(sub):.1%}" for sub in subsets]
        mark = "" if loses_nothing(first, every, level) else " (loses)"
        lines.append(f"| {level:.2f}{mark} | " + " | ".join(cells) + f" | {gated(first, every, level)[1] / len(every):.0%} |")
    return lines


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--models", default=os.path.join(ROOT, "models"))
    ap.add_argument("--set", default=CALIBRATION_SET, help="calibrate.py's crops (it builds them)")
    ap.add_argument("--bin", default=os.environ.get("MATHSNAP_BIN", os.path.join(ROOT, "target", "release", "mathsnap")))
    a = ap.parse_args(argv)
    if not os.path.exists(os.path.join(a.set, "labels.tsv")):
        sys.exit(f"view_gate: no calibration crops in {a.set}: run calibrate.py first")
    man_path = os.path.join(a.models, "manifest.json")
    man = json.load(open(man_path))
    if len(man["recognizer"].get("view_scales", [1.0])) < 2:
        sys.exit("view_gate: the recognizer reads one view: nothing to gate")
    every = read(a.models, a.set, a.bin, first_view_only=False)
    first = read(a.models, a.set, a.bin, first_view_only=True)
    print("\n".join(table(first, every)))
    level = choose(first, every)
    if level is None:
        man["recognizer"].pop("first_view_sure", None)
        print("no level loses nothing: every view of every crop is read")
    else:
        man["recognizer"]["first_view_sure"] = level
        print(f"first_view_sure = {level}")
    json.dump(man, open(man_path, "w"), indent=1)


if __name__ == "__main__":
    main()
