"""When bfloat16 autocast pays for training, shared by the recognizer's and the detector's trainers and
by training/bench_train.py.

Measured with bench_train (MODEL_CARD 'Training throughput'): on a Xeon with AMX (bfloat16 matrix
units) a recognizer step is 1.6-2.3x faster under bfloat16 autocast; on a Xeon with only AVX512-BF16
it is 10-25% *slower* (the convolutions' bfloat16 kernels there convert more than they compute); a
CPU with neither emulates it. GPUs of the training run (training/gpu) have bfloat16 units."""
import torch


def cpu_bf16():
    """(has bfloat16 arithmetic, which: 'AMX', 'AVX512-BF16' or 'none'), as torch sees the CPU."""
    amx = getattr(torch.cpu, "_is_amx_tile_supported", lambda: False)()
    avx = getattr(torch.cpu, "_is_avx512_bf16_supported", lambda: False)()
    return amx or avx, "AMX" if amx else "AVX512-BF16" if avx else "none"


def autocast_pays(device_type):
    """True where bfloat16 autocast makes a training step faster: CUDA, or a CPU with AMX."""
    if device_type == "cuda":
        return True
    return cpu_bf16()[1] == "AMX"


def resolve(choice, device_type):
    """--amp auto|on|off -> bool."""
    return autocast_pays(device_type) if choice == "auto" else choice == "on"
