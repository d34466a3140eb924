"""Resumable CPU trainer for the detector.

    OMP_NUM_THREADS=1 nice -n 5 nohup python3 -m training.detector.train --pages /work/cache/pages/train \
        --run runs/det --steps 6000 >> runs/det/nohup.out 2>&1 &

Checkpoints: RUN/last.pt (every --save-every seconds, on SIGTERM/SIGINT and at the end), RUN/step_<k>.pt
every --keep-every steps. Log: RUN/train.log. Re-running the same command resumes from RUN/last.pt."""
import argparse
import glob
import math
import os
import signal
import time

import numpy as np
import torch
import torch.nn.functional as F

from . import data
from .model import FPN, WIDTHS, from_config, n_params

STOP = {"flag": False}


def _stop(signum, frame):
    STOP["flag"] = True


def loss_fn(logits, target):
    bce = F.binary_cross_entropy_with_logits(logits, target)
    p = torch.sigmoid(logits)
    inter = (p * target).sum()
    dice = 1 - (2 * inter + 1) / (p.sum() + target.sum() + 1)
    return bce * 5 + dice, bce.item(), dice.item()


def save(path, model, opt, state):
    tmp = path + ".tmp"
    torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "state": state, "config": model.config}, tmp)
    os.replace(tmp, path)


def lr_at(step, total, base, warm=200):
    if step < warm:
        return base * (step + 1) / warm
    t = min(1.0, (step - warm) / max(1, total - warm))
    return base * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * t)))


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--pages", nargs="+", default=["/work/cache/pages/train"],
                    help="page set dirs or globs (re-scanned every 100 steps)")
    ap.add_argument("--run", default="runs/det")
    ap.add_argument("--steps", type=int, default=6000, help="schedule length (cosine decay to 5%)")
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--size", type=int, default=320)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--max-scale", type=float, default=data.MAX_SCALE,
                    help="largest page scale of a crop, relative to the pages' own long side (640): more sees finer detail")
    ap.add_argument("--save-every", type=float, default=120.0, help="seconds")
    ap.add_argument("--keep-every", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--init", default=None, help="start weights (and shape) from this checkpoint, on a new schedule")
    ap.add_argument("--widths", default=",".join(map(str, WIDTHS)), help="encoder widths per stride (a new run only)")
    ap.add_argument("--fpn", type=int, default=FPN, help="FPN channels (a new run only)")
    a = ap.parse_args(argv)
    torch.set_num_threads(1)
    cv_threads = __import__("cv2").setNumThreads(1)
    del cv_threads
    os.makedirs(a.run, exist_ok=True)
    log = open(os.path.join(a.run, "train.log"), "a", buffering=1)

    def say(msg):
        line = time.strftime("%H:%M:%S ") + msg
        print(line, flush=True)
        log.write(line + "\n")

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    def scan():
        dirs = sorted({d for pat in a.pages for d in glob.glob(pat)
                       if os.path.exists(os.path.join(d, "pages.jsonl"))})
        return dirs, [p for d in dirs for p in data.load_pages(d)]

    dirs, pages = scan()
    if not pages:
        raise SystemExit(f"no pages.jsonl under {a.pages}")
    last = os.path.join(a.run, "last.pt")
    ck = torch.load(last, map_location="cpu", weights_only=False) if os.path.exists(last) else None
    init = torch.load(a.init, map_location="cpu", weights_only=False) if a.init and not ck else None
    source = ck or init
    cfg = source.get("config", {}) if source else {"widths": [int(v) for v in a.widths.split(",")], "fpn": a.fpn}
    model = from_config(cfg)  # a resumed or initialised run keeps its checkpoint's shape
    opt = torch.optim.AdamW(model.parameters(), lr=a.lr, weight_decay=1e-4)
    state = {"step": 0, "seen": 0, "steps": a.steps}
    if ck:
        model.load_state_dict(ck["model"])
        opt.load_state_dict(ck["opt"])
        state = ck["state"]
        state["steps"] = a.steps
        say(f"resumed from {last} at step {state['step']} ({state['seen']} samples seen)")
    elif init:
        model.load_state_dict(init["model"])
        state["seen"] = init.get("state", {}).get("seen", 0)  # the model's whole history, for the manifest
        say(f"initialised from {a.init}")
    say(f"{len(pages)} pages from {dirs}; model {n_params(model)} params; batch {a.batch} x {a.size}px; "
        f"lr {a.lr}; schedule {a.steps} steps; page scale 0.5-{a.max_scale}")
    rng = np.random.default_rng(a.seed * 100003 + state["step"])
    model.train()
    t_save = time.time()
    acc = {"loss": 0.0, "bce": 0.0, "dice": 0.0, "n": 0, "t_data": 0.0, "t_step": 0.0}
    while state["step"] < a.steps and not STOP["flag"]:
        t0 = time.time()
        x, y = data.batch(rng, pages, a.batch, a.size, a.max_scale)
        t1 = time.time()
        lr = lr_at(state["step"], a.steps, a.lr)
        for g in opt.param_groups:
            g["lr"] = lr
        logits = model.logits(torch.from_numpy(x))
        loss, bce, dice = loss_fn(logits, torch.from_numpy(y))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        opt.step()
        state["step"] += 1
        state["seen"] += a.batch
        acc["loss"] += loss.item(); acc["bce"] += bce; acc["dice"] += dice; acc["n"] += 1
        acc["t_data"] += t1 - t0; acc["t_step"] += time.time() - t1
        if state["step"] % 25 == 0:
            n = acc["n"]
            say(f"step {state['step']} seen {state['seen']} lr {lr:.2e} loss {acc['loss'] / n:.4f} "
                f"bce {acc['bce'] / n:.4f} dice {acc['dice'] / n:.4f} data {acc['t_data'] / n:.2f}s "
                f"step {acc['t_step'] / n:.2f}s")
            acc = {k: 0.0 for k in acc}
        if state["step"] % 100 == 0:  # page sets still being generated join when complete
            new_dirs, new_pages = scan()
            if new_dirs != dirs:
                dirs, pages = new_dirs, new_pages
                say(f"now {len(pages)} pages from {len(dirs)} sets")
        if state["step"] % a.keep_every == 0:
            save(os.path.join(a.run, f"step_{state['step']}.pt"), model, opt, state)
        if time.time() - t_save > a.save_every:
            save(last, model, opt, state)
            t_save = time.time()
    save(last, model, opt, state)
    say(f"saved {last} at step {state['step']} ({state['seen']} samples seen)"
        + (" [stopped by signal]" if STOP["flag"] else " [schedule done]"))


if __name__ == "__main__":
    main()
