"""The dataset spec is consistent and the generator's cell allocation follows it exactly."""
import collections

from training.datagen import spec as spec_mod

SPEC = spec_mod.load()
ISSUE_NOISE = {"clean", "shadow", "rotation", "highlighter", "curved_paper", "cut_off", "correction_fluid",
               "blur_jpeg", "lined_grid"}


def test_axes_cover_the_issue_cells():
    assert set(SPEC["axes"]["level"]) == {"elementary", "middle", "high"}
    assert set(SPEC["axes"]["representation"]) == {"printed", "handwritten"}
    assert set(SPEC["axes"]["noise"]) == ISSUE_NOISE
    for axis in SPEC["axes"].values():
        assert abs(sum(axis.values()) - 1.0) < 1e-9


def test_counts_sum_to_split_totals_and_cover_every_cell():
    for split, total in SPEC["splits"].items():
        counts = spec_mod.cell_counts(SPEC, split)
        assert sum(counts.values()) == total
        assert len(counts) == 3 * 2 * len(ISSUE_NOISE)
        assert min(counts.values()) > 0


def test_schedule_matches_counts_and_prefixes_are_balanced():
    sched = spec_mod.cell_schedule(SPEC, "train", 5000)
    assert collections.Counter(sched) == collections.Counter(spec_mod.cell_counts(SPEC, "train", 5000))
    first = collections.Counter(sched[:540])  # a prefix already holds every cell
    assert len(first) == 54
