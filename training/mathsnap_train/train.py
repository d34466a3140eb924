"""Train the recognizer on CPU, resumably, in the background.

    OMP_NUM_THREADS=1 nohup python3 -m training.mathsnap_train.train --run runs/rec > /dev/null 2>&1 &

Checkpoints (runs/<run>/last.pt, best.pt) and the log (runs/<run>/train.log) stay out of git.
SIGTERM/SIGINT saves a checkpoint and exits, so a stopped run resumes where it was.
"""
import argparse
import math
import os
import signal
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

from .data import Mixture, Vocab, crohme_train_split, load_image, make_input, synthetic_sets
from .model import Recognizer, greedy

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "eval"))
from texnorm import norm  # noqa: E402  (the scorer's own normalisation, for honest validation)


def lr_at(seen, peak, warmup=4000, decay_to=400_000):
    """Linear warm-up, then cosine decay to 5% of the peak at `decay_to` samples."""
    if seen < warmup:
        return peak * seen / warmup
    p = min(1.0, (seen - warmup) / (decay_to - warmup))
    return peak * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * p)))


def curriculum_max_len(seen):
    return int(min(150, 24 + seen / 1500))


def to_batch(xs, ys, vocab):
    t = max(len(y) for y in ys) + 1
    inp = torch.full((len(ys), t), vocab.pad, dtype=torch.long)
    tgt = torch.full((len(ys), t), vocab.pad, dtype=torch.long)
    for i, y in enumerate(ys):
        inp[i, :len(y) + 1] = torch.tensor([vocab.bos] + y)
        tgt[i, :len(y) + 1] = torch.tensor(y + [vocab.eos])
    return torch.from_numpy(xs), inp, tgt


@torch.no_grad()
def validate(model, vocab, lset, n=300, batch=50):
    model.eval()
    items = lset.items[:n]
    exact = 0
    for k in range(0, len(items), batch):
        chunk = items[k:k + batch]
        x = torch.from_numpy(np.stack([make_input(load_image(p)) for p, _, _, _ in chunk])[:, None])
        for (p, ids, latex, _), out in zip(chunk, greedy(model, x, vocab.bos, vocab.eos)):
            exact += norm(" ".join(vocab.decode(out))) == norm(latex)
    model.train()
    return 100.0 * exact / max(len(items), 1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--run", default="runs/rec")
    ap.add_argument("--batch", type=int, default=24)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--decay-to", type=int, default=400_000)
    ap.add_argument("--val-every", type=int, default=15_000)
    ap.add_argument("--max-samples", type=int, default=10_000_000)
    ap.add_argument("--photo-share", type=float, default=0.5,
                    help="share of CROHME samples redrawn through the data engine's paper and noise cells")
    ap.add_argument("--rewarm", type=int, default=0,
                    help="after a resume, ramp the learning rate up over this many samples (fresh optimizer state)")
    args = ap.parse_args()
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
    os.makedirs(args.run, exist_ok=True)
    log = open(os.path.join(args.run, "train.log"), "a", buffering=1)

    def say(msg):
        log.write(time.strftime("%H:%M:%S ") + msg + "\n")

    vocab = Vocab()
    model = Recognizer(len(vocab.itos))
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    state = {"seen": 0, "best": -1.0, "step": 0}
    last = os.path.join(args.run, "last.pt")
    if os.path.exists(last):
        ck = torch.load(last, map_location="cpu")
        model.load_state_dict(ck["model"])
        opt.load_state_dict(ck["opt"])
        state = ck["state"]
        say(f"resumed at {state['seen']} samples")

    def save(path):
        torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "state": state, "vocab": vocab.itos}, path + ".tmp")
        os.replace(path + ".tmp", path)

    stop = {"now": False}
    signal.signal(signal.SIGTERM, lambda *_: stop.update(now=True))
    signal.signal(signal.SIGINT, lambda *_: stop.update(now=True))

    crohme, crohme_val = crohme_train_split(vocab)

    def build_mixture():
        synth = synthetic_sets(vocab)
        parts = [(crohme, 0.45 if synth else 1.0)] + [(s, 0.55 / len(synth)) for s in synth]
        say("training sets: " + ", ".join(f"{s.name}={len(s)}" for s, _ in parts))
        return Mixture(parts, seed=state["seen"] + 1, photo_share=args.photo_share), synth

    mix, synth = build_mixture()
    synth_val = [s for s in synthetic_sets(vocab, "synth-val")]
    resumed_at = state["seen"]
    t0, loss_avg, next_val = time.time(), None, state["seen"] - state["seen"] % args.val_every + args.val_every
    model.train()
    while not stop["now"] and state["seen"] < args.max_samples:
        xs, ys = mix.batch(args.batch, curriculum_max_len(state["seen"]))
        x, inp, tgt = to_batch(xs, ys, vocab)
        ramp = min(1.0, (state["seen"] - resumed_at + args.batch) / args.rewarm) if args.rewarm else 1.0
        for g in opt.param_groups:
            g["lr"] = ramp * lr_at(state["seen"], args.lr, decay_to=args.decay_to)
        lp = model(x, inp)
        loss = F.nll_loss(lp.reshape(-1, lp.shape[-1]), tgt.reshape(-1), ignore_index=vocab.pad)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        opt.step()
        state["seen"] += len(ys)
        state["step"] += 1
        loss_avg = loss.item() if loss_avg is None else 0.98 * loss_avg + 0.02 * loss.item()
        if state["step"] % 50 == 0:
            rate = 50 * args.batch / (time.time() - t0)
            t0 = time.time()
            say(f"seen {state['seen']} loss {loss_avg:.3f} lr {opt.param_groups[0]['lr']:.2e} {rate:.1f} samples/s")
        if state["seen"] >= next_val:
            next_val += args.val_every
            v = validate(model, vocab, crohme_val)
            sv = {s.name: validate(model, vocab, s, n=200) for s in synth_val}
            say(f"VAL seen {state['seen']} crohme-val ExpRate {v:.1f}% synth-val {sv}")
            score = v + sum(sv.values())
            if score > state["best"]:
                state["best"] = score
                save(os.path.join(args.run, "best.pt"))
            save(last)
            if len(synthetic_sets(vocab)) != len(synth):
                mix, synth = build_mixture()
            synth_val = [s for s in synthetic_sets(vocab, "synth-val")]
            t0 = time.time()
    save(last)
    say(f"stopped at {state['seen']} samples")


if __name__ == "__main__":
    main()
