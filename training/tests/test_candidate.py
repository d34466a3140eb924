"""candidate.py: reading eval's summary and the rule for committing a model."""
import pytest

from training.mathsnap_train.candidate import none_worse, paired, read_summary, sign_test, verdict

EVAL = """crohme: ...
ALL ../shared/data/photos-dev: n=96 ExpRate=13.5% <=1err=18.8% <=2err=33.3% norm_edit=0.347
"""


def test_the_summary_is_the_all_line():
    assert read_summary(EVAL) == (96, 13.5, 18.8, 0.347)
    with pytest.raises(ValueError):
        read_summary("no summary here")


def test_a_candidate_must_not_lose_any_set():
    same = (96, 13.5, 18.8, 0.347)
    lines, better = verdict([("a", same, (96, 14.0, 20.0, 0.3)), ("b", (986, 34.7, 49.0, 0.22), (986, 34.7, 50.0, 0.21))])
    assert better and len(lines) == 4 and "| a | 96 | 13.5% | 14.0% |" in lines[2]
    _, better = verdict([("a", same, (96, 20.0, 30.0, 0.2)), ("b", (986, 34.7, 49.0, 0.22), (986, 34.6, 60.0, 0.1))])
    assert not better


def test_paired_readings_count_the_discordant_crops():
    shipped = {"a": True, "b": True, "c": False, "d": False, "e": True}
    candidate = {"a": True, "b": False, "c": True, "d": True, "f": True}   # e and f read by one only: not paired
    assert paired(shipped, candidate)[:2] == (1, 2)


def test_the_sign_test_is_exact_and_two_sided():
    assert sign_test(0, 0) == 1.0
    assert sign_test(3, 3) == 1.0
    assert sign_test(6, 3) == pytest.approx(2 * (1 + 9 + 36 + 84) / 512)   # stop 60's photos-dev: p = 0.51
    assert sign_test(0, 10) == pytest.approx(2 / 1024)
    assert sign_test(104, 74) < 0.05


def test_the_looser_rule_blocks_a_set_lost_beyond_noise():
    rows = [("crohme", None, None, (74, 104, sign_test(74, 104))), ("photos", None, None, (6, 3, sign_test(6, 3)))]
    assert none_worse(rows)
    rows.append(("printed", None, None, (40, 10, sign_test(40, 10))))
    assert not none_worse(rows)
    assert not none_worse([("a", None, None, (5, 5, 1.0))])   # no gain at all is not a reason to ship


def test_the_table_shows_the_paired_columns():
    same = (96, 13.5, 18.8, 0.347)
    lines, _ = verdict([("a", same, same, (6, 3, 0.51))])
    assert lines[2].endswith("| 6 | 3 | 0.51 |")
