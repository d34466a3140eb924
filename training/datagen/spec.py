"""Reads training/dataset_spec.yaml and turns it into exact per-cell sample counts."""
import itertools
import os

import yaml

SPEC_PATH = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "dataset_spec.yaml")


def load(path=SPEC_PATH):
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f)


def cells(spec):
    """[(cell name 'level/representation/noise', weight)] in a fixed order."""
    axes = spec["axes"]
    names = list(axes)  # level, representation, noise
    out = []
    for combo in itertools.product(*(axes[a].items() for a in names)):
        weight = 1.0
        for _, w in combo:
            weight *= w
        out.append(("/".join(k for k, _ in combo), weight))
    return out


def allocate(weighted, total):
    """Largest-remainder rounding: integer counts proportional to the weights that sum to `total`."""
    wsum = sum(w for _, w in weighted)
    exact = [(name, total * w / wsum) for name, w in weighted]
    counts = {name: int(x) for name, x in exact}
    short = total - sum(counts.values())
    by_remainder = sorted(exact, key=lambda nx: (-(nx[1] - int(nx[1])), nx[0]))
    for name, _ in by_remainder[:short]:
        counts[name] += 1
    return counts


def cell_counts(spec, split, total=None):
    """{cell: count} for a split; `total` overrides the spec's split total, keeping proportions."""
    return allocate(cells(spec), spec["splits"][split] if total is None else total)


def cell_schedule(spec, split, total=None):
    """The cell of every sample index, interleaved so that any prefix of a run covers all cells
    (a partial cache is still balanced): sample i gets the cell whose quota is least filled."""
    counts = cell_counts(spec, split, total)
    n = sum(counts.values())
    names = sorted(c for c in counts if counts[c] > 0)
    done = {c: 0 for c in names}
    schedule = []
    for i in range(n):
        # the cell furthest behind its share of the first i+1 samples goes next
        c = min(names, key=lambda c: (done[c] + 1) / counts[c])
        done[c] += 1
        schedule.append(c)
    return schedule
