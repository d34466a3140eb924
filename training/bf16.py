"""When bfloat16 autocast pays for training, shared by the recognizer's and the detector's trainers and
by training/bench_train.py.

Measured with bench_train (MODEL_CARD 'Training throughput'): on a Xeon with AMX (bfloat16 matrix
units) a recognizer step is 1.6-2.3x faster under bfloat16 autocast; on a Xeon with only AVX512-BF16
it is 10-25% *slower* (the convolutions' bfloat16 kernels there convert more than they compute), while
on an AMD EPYC with AVX512-BF16 it is 1.3-1.6x *faster* (2026-12-07). So the instruction set does not
decide it: where the CPU has AVX512-BF16 without AMX, a short probe of the recognizer's own kinds of
work times both and autocast is used only if it wins. A CPU with neither emulates bfloat16 (always
slower). GPUs of the training run (training/gpu) have bfloat16 units."""
import functools
import time

import torch
import torch.nn as nn

# bfloat16 must save at least this share of the probe's time: a near tie is noise, and float32 is exact.
MIN_GAIN = 0.10


def cpu_bf16():
    """(has bfloat16 arithmetic, which: 'AMX', 'AVX512-BF16' or 'none'), as torch sees the CPU."""
    amx = getattr(torch.cpu, "_is_amx_tile_supported", lambda: False)()
    avx = getattr(torch.cpu, "_is_avx512_bf16_supported", lambda: False)()
    return amx or avx, "AMX" if amx else "AVX512-BF16" if avx else "none"


def probe_seconds(repeats=3, rounds=3):
    """(float32 seconds, bfloat16 seconds) for `repeats` forward+backward passes of a slice of the
    recognizer's work at its sizes: a 3x3 convolution block of the encoder's middle stage (batch 24,
    48 -> 96 channels, 16 x 64) and a transformer feed-forward (24 x 40 tokens, 192 -> 768 -> 192). The two
    are timed in alternation and each keeps its best round, so that other work on the machine slows both
    alike rather than whichever ran second."""
    torch.manual_seed(0)
    conv = nn.Sequential(nn.Conv2d(48, 96, 3, padding=1, bias=False), nn.BatchNorm2d(96), nn.ReLU(),
                         nn.Conv2d(96, 96, 3, padding=1, bias=False)).to(memory_format=torch.channels_last)
    ff = nn.Sequential(nn.Linear(192, 768), nn.ReLU(), nn.Linear(768, 192))
    x = torch.rand(24, 48, 16, 64).contiguous(memory_format=torch.channels_last)
    t = torch.rand(24, 40, 192)

    def timed(bf16):
        start = time.perf_counter()
        for _ in range(repeats):
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
                loss = conv(x).float().mean() + ff(t).float().mean()
            loss.backward()
        return time.perf_counter() - start

    timed(False), timed(True)  # oneDNN chooses its kernels on the first call
    best = [float("inf"), float("inf")]
    for _ in range(rounds):
        for i, bf16 in enumerate((False, True)):
            best[i] = min(best[i], timed(bf16))
    return tuple(best)


@functools.lru_cache(maxsize=None)
def _avx512_bf16_pays():
    fp32, bf16 = probe_seconds()
    return bf16 <= (1.0 - MIN_GAIN) * fp32


def autocast_pays(device_type):
    """True where bfloat16 autocast makes a training step faster: CUDA, a CPU with AMX, or a CPU with
    AVX512-BF16 where the probe measures it faster (about three seconds, once per process)."""
    if device_type == "cuda":
        return True
    how = cpu_bf16()[1]
    return how == "AMX" or (how == "AVX512-BF16" and _avx512_bf16_pays())


def resolve(choice, device_type):
    """--amp auto|on|off -> bool."""
    return autocast_pays(device_type) if choice == "auto" else choice == "on"
