"""candidate.py: reading eval's summary and the rule for committing a model."""
import pytest

from training.mathsnap_train.candidate import read_summary, verdict

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
