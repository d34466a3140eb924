"""training/bf16.py: bfloat16 autocast only where it makes a training step faster."""
from unittest import mock

from training import bf16


def test_explicit_choices_win():
    assert bf16.resolve("on", "cpu") is True
    assert bf16.resolve("off", "cuda") is False


def _auto_with(hardware, probe=None):
    bf16._avx512_bf16_pays.cache_clear()
    with mock.patch.object(bf16, "cpu_bf16", return_value=hardware), \
            mock.patch.object(bf16, "probe_seconds", return_value=probe) as probed:
        choice = bf16.resolve("auto", "cpu")
    bf16._avx512_bf16_pays.cache_clear()
    return choice, probed.called


def test_auto_follows_the_hardware():
    assert bf16.resolve("auto", "cuda") is True
    assert _auto_with((True, "AMX")) == (True, False)
    assert _auto_with((False, "none")) == (False, False)


def test_avx512_bf16_alone_is_measured_not_assumed():
    # slower on one Xeon, faster on an AMD EPYC: the probe decides, and a near tie keeps float32
    assert _auto_with((True, "AVX512-BF16"), probe=(1.0, 0.6)) == (True, True)
    assert _auto_with((True, "AVX512-BF16"), probe=(1.0, 1.2)) == (False, True)
    assert _auto_with((True, "AVX512-BF16"), probe=(1.0, 0.95)) == (False, True)


def test_the_probe_times_both():
    fp32, bf = bf16.probe_seconds(repeats=1, rounds=1)
    assert fp32 > 0 and bf > 0
