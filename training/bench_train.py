"""Training throughput of the recognizer on the machine at hand: samples/s of one optimizer step
(forward, backward, AdamW) per model size, encoder tensor layout (channels-first, as trained until
2026-12-03, and channels-last), float32 against bfloat16 autocast, on 1 and 2 threads.
Measures only; its table goes in training/MODEL_CARD.md ('Training throughput').

    python3 -m training.bench_train [--sizes base large] [--steps 6] [--batch 24] [--tokens 40]

Inputs are random (the model's cost does not depend on the pixels) at the model's 64 x 256 input and
a fixed target length, as a CPU training step sees them. bfloat16 runs only where the CPU has
bfloat16 arithmetic (AMX or AVX512-BF16); elsewhere autocast emulates it and is slower, so the
table says 'not supported' instead. Run it on an idle machine: another process on the second core
halves the figures.
"""
import argparse
import os
import platform
import time

import torch
import torch.nn.functional as F

from training.bf16 import autocast_pays, cpu_bf16
from training.mathsnap_train.data import Vocab
from training.mathsnap_train.model import SIZES, Recognizer
from training.mathsnap_train.preprocess import HEIGHT, WIDTH


def cpu_name():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def samples_per_second(size, bf16, threads, steps, batch, tokens, vocab_size, channels_last=True, frozen=False,
                       frozen_modules=0):
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = Recognizer(vocab_size, size, channels_last)
    model.train()
    if frozen:   # as train.py --freeze-encoder: no gradient through the encoder (its forward still runs)
        model.encoder.requires_grad_(False)
    elif frozen_modules:   # the encoder's first modules only: nothing flows back through them
        model.encoder.net[:frozen_modules].requires_grad_(False)
        model.encoder.net[:frozen_modules].eval()
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-4)
    x = torch.rand(batch, 1, HEIGHT, WIDTH)
    inp = torch.randint(4, vocab_size, (batch, tokens))
    tgt = torch.randint(4, vocab_size, (batch, tokens))

    def step():
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            lp = model(x, inp)
        loss = F.nll_loss(lp.float().reshape(-1, lp.shape[-1]), tgt.reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    step()  # warm-up: allocations and oneDNN's kernel choice
    t = time.perf_counter()
    for _ in range(steps):
        step()
    return steps * batch / (time.perf_counter() - t)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", nargs="+", default=["base"], choices=list(SIZES))
    ap.add_argument("--threads", nargs="+", type=int, default=[1, 2])
    ap.add_argument("--steps", type=int, default=6)
    ap.add_argument("--batch", type=int, default=24)
    ap.add_argument("--tokens", type=int, default=40)
    ap.add_argument("--freeze-encoder", action="store_true",
                    help="the encoder's weights frozen, as in a run's first phase (train.py --freeze-encoder)")
    ap.add_argument("--frozen-modules", type=int, default=0, metavar="K",
                    help="the first K modules of the encoder's convolutional stack frozen (4: the stem and the "
                         "full-resolution block; 7: through the 16 x 64 stage), the rest trained")
    a = ap.parse_args(argv)
    supported, how = cpu_bf16()
    vocab_size = len(Vocab().itos)
    print(f"CPU: {cpu_name()}, {os.cpu_count()} cores, bfloat16 arithmetic: {how}; torch {torch.__version__}; "
          f"batch {a.batch}, {a.tokens} target tokens, {a.steps} timed steps; the trainers' --amp auto "
          f"{'uses' if autocast_pays('cpu') else 'does not use'} bfloat16 here"
          f"{'; the encoder frozen' if a.freeze_encoder else ''}"
          f"{f'; the encoder first {a.frozen_modules} modules frozen' if a.frozen_modules else ''}")
    print("| size | parameters | encoder layout | threads | float32 samples/s | bfloat16 samples/s |")
    print("|---|---|---|---|---|---|")
    for size in a.sizes:
        params = sum(p.numel() for p in Recognizer(vocab_size, size).parameters())
        for layout in ("channels-first", "channels-last"):
            last = layout == "channels-last"
            for threads in a.threads:
                def rate(bf16):
                    return samples_per_second(size, bf16, threads, a.steps, a.batch, a.tokens, vocab_size, last,
                                              a.freeze_encoder, a.frozen_modules)
                fp32 = rate(False)
                bf16 = f"{rate(True):.1f}" if supported else "not supported"
                print(f"| {size} | {params / 1e6:.2f} M | {layout} | {threads} | {fp32:.1f} | {bf16} |", flush=True)


if __name__ == "__main__":
    main()
