"""training/bf16.py: bfloat16 autocast only where it makes a training step faster."""
from unittest import mock

from training import bf16


def test_explicit_choices_win():
    assert bf16.resolve("on", "cpu") is True
    assert bf16.resolve("off", "cuda") is False


def test_auto_follows_the_hardware():
    assert bf16.resolve("auto", "cuda") is True
    with mock.patch.object(bf16, "cpu_bf16", return_value=(True, "AMX")):
        assert bf16.resolve("auto", "cpu") is True
    # AVX512-BF16 without AMX: a recognizer step was measured slower under autocast
    with mock.patch.object(bf16, "cpu_bf16", return_value=(True, "AVX512-BF16")):
        assert bf16.resolve("auto", "cpu") is False
    with mock.patch.object(bf16, "cpu_bf16", return_value=(False, "none")):
        assert bf16.resolve("auto", "cpu") is False
