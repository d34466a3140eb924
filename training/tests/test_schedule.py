"""The learning-rate schedule (train.py): the cosine run and the cooldown branched off it."""
import pytest

from training.mathsnap_train.train import cooled_lr, lr_at


def test_the_cosine_run_warms_up_then_decays_to_a_twentieth():
    assert lr_at(0, 1.0, warmup=100, decay_to=1000) == 0.0
    assert lr_at(50, 1.0, warmup=100, decay_to=1000) == pytest.approx(0.5)
    assert lr_at(100, 1.0, warmup=100, decay_to=1000) == pytest.approx(1.0)
    assert lr_at(1000, 1.0, warmup=100, decay_to=1000) == pytest.approx(0.05)
    assert lr_at(5000, 1.0, warmup=100, decay_to=1000) == pytest.approx(0.05)


def test_a_cooldown_starts_where_the_run_was_and_falls_to_zero():
    start, length = 540_000, 120_000
    at_start = lr_at(start, 6e-4, 8000, 2_000_000)
    assert cooled_lr(start, start, length, 6e-4, 8000, 2_000_000) == pytest.approx(at_start)
    assert cooled_lr(start + length // 2, start, length, 6e-4, 8000, 2_000_000) == pytest.approx(at_start / 2)
    assert cooled_lr(start + length, start, length, 6e-4, 8000, 2_000_000) == 0.0
    assert cooled_lr(start + 2 * length, start, length, 6e-4, 8000, 2_000_000) == 0.0   # never negative
