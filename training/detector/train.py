"""Resumable CPU trainer for the detector.

    OMP_NUM_THREADS=1 nice -n 5 nohup python3 -m training.detector.train --pages /work/cache/pages/train \
        --run runs/det --steps 6000 >> runs/det/nohup.out 2>&1 &

Checkpoints: RUN/last.pt (every --save-every seconds, on SIGTERM/SIGINT and at the end), RUN/step_<k>.pt
every --keep-every steps. Log: RUN/train.log. Re-running the same command resumes from RUN/last.pt.

A smaller detector learns from a larger one (`--teacher CKPT`, e.g. the shipped model rebuilt by
recover.py): on every crop it also matches the teacher's probability map (`--distill` weight), which
carries what the truth does not: how sure the teacher is near a formula's edge, and which marks it has
learnt to leave out. `--workers 1` makes batches in a second process so that the model's arithmetic and
the page augmentation use one core each; `--amp auto` runs the forward pass under bfloat16 autocast where that
pays (AMX, or AVX512-BF16 where a probe measures it faster: training/bf16.py)."""
import argparse
import glob
import math
import multiprocessing as mp
import os
import signal
import time

import numpy as np
import torch
import torch.nn.functional as F

from .. import bf16
from . import close_ups as C
from . import data
from .model import FPN, WIDTHS, from_config, load_checkpoint, n_params

STOP = {"flag": False}


def _stop(signum, frame):
    STOP["flag"] = True


def loss_fn(logits, target):
    bce = F.binary_cross_entropy_with_logits(logits, target)
    p = torch.sigmoid(logits)
    inter = (p * target).sum()
    dice = 1 - (2 * inter + 1) / (p.sum() + target.sum() + 1)
    return bce * 5 + dice, bce.item(), dice.item()


def distill_loss(logits, teacher_prob):
    """Binary cross-entropy against the teacher's probabilities (soft targets)."""
    return F.binary_cross_entropy_with_logits(logits, teacher_prob)


def page_dirs(patterns):
    """Complete page set dirs matching the globs: a set joins once its pages.jsonl exists (written last)."""
    return sorted({d for pat in patterns for d in glob.glob(pat) if os.path.exists(os.path.join(d, "pages.jsonl"))})


def load_page_sets(dirs):
    return [p for d in dirs for p in data.load_pages(d)]


def _make_batches(queue, patterns, seed, batch_args):
    """Batch maker in a second process (`batch_args`: data.batch's arguments after the pages, as the
    trainer passes them): augmentation is numpy/OpenCV work that does not need the trainer's core. Page sets are re-scanned every 100 batches, as the trainer does."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # the trainer's stop handler would keep this process alive
    signal.signal(signal.SIGINT, signal.SIG_IGN)   # Ctrl-C stops the trainer, which ends its daemon workers
    __import__("cv2").setNumThreads(1)
    torch.set_num_threads(1)
    rng = np.random.default_rng(seed)
    made = 0
    dirs, pages = [], []
    while True:
        if made % 100 == 0:
            found = page_dirs(patterns)
            if found != dirs:  # the pages are read again only when a set has joined
                dirs, pages = found, load_page_sets(found) or pages
        queue.put(data.batch(rng, pages, *batch_args))
        made += 1


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
    ap.add_argument("--steps", type=int, default=6000, help="schedule length (cosine decay to 5%%)")
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--size", type=int, default=320)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--max-scale", type=float, default=data.MAX_SCALE,
                    help="largest page scale of a crop, relative to the pages' own long side (640): more sees finer detail")
    ap.add_argument("--min-scale", type=float, default=data.MIN_SCALE,
                    help="smallest page scale of a crop: below 0.5 the detector sees small print (a whole page photographed)")
    ap.add_argument("--save-every", type=float, default=120.0, help="seconds")
    ap.add_argument("--keep-every", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--init", default=None, help="start weights (and shape) from this checkpoint, on a new schedule")
    ap.add_argument("--widths", default=",".join(map(str, WIDTHS)), help="encoder widths per stride (a new run only)")
    ap.add_argument("--fpn", type=int, default=FPN, help="FPN channels (a new run only)")
    ap.add_argument("--teacher", default=None, help="a larger detector's checkpoint to distil from (recover.py makes "
                                                     "one from the shipped ONNX file)")
    ap.add_argument("--truth-floor", action="store_true",
                    help="distil max(teacher, truth): where the teacher misses a formula (small print below its "
                         "training scales) the truth stands")
    ap.add_argument("--distill", type=float, default=2.0, help="weight of the teacher's term (with --teacher)")
    ap.add_argument("--threads", type=int, default=1, help="torch threads for the model's arithmetic")
    ap.add_argument("--workers", type=int, default=0, help="processes making batches (0: the trainer makes them)")
    ap.add_argument("--close-ups", type=float, default=0.0,
                    help="share of crops that are close-ups of handwriting (one formula filling the crop, as the "
                         "engine's close-up probe sees a photo of one formula): CROHME-train images outside the "
                         "recognizer's hold-out (close_ups.py)")
    ap.add_argument("--page-close-ups", type=float, default=0.0,
                    help="share of crops that are a page formula enlarged to fill the crop, text around it")
    ap.add_argument("--amp", choices=["auto", "on", "off"], default="auto",
                    help="bfloat16 autocast; auto: where it makes a step faster (AMX, or AVX512-BF16 where a "
                         "probe measures it faster: training/bf16.py)")
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads)
    amp = bf16.resolve(a.amp, "cpu")
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

    dirs = page_dirs(a.pages)
    pages = load_page_sets(dirs)
    if not pages:
        raise SystemExit(f"no pages.jsonl under {a.pages}")
    last = os.path.join(a.run, "last.pt")
    ck = torch.load(last, map_location="cpu", weights_only=False) if os.path.exists(last) else None
    init = torch.load(a.init, map_location="cpu", weights_only=False) if a.init and not ck else None
    source = ck or init
    cfg = source.get("config", {}) if source else {"widths": [int(v) for v in a.widths.split(",")], "fpn": a.fpn}
    model = from_config(cfg)  # a resumed or initialised run keeps its checkpoint's shape
    # channels-last lets oneDNN pick faster convolution kernels (a student step -30% on one thread, the
    # teacher's forward -55% under bfloat16); the weights and the exported graph are the same either way
    model.to(memory_format=torch.channels_last)
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
    teacher = None
    if a.teacher:
        teacher, _ = load_checkpoint(a.teacher)
        teacher.to(memory_format=torch.channels_last)
        for p in teacher.parameters():
            p.requires_grad_(False)
        say(f"distilling from {a.teacher} ({n_params(teacher)} params), weight {a.distill}")
    close_ups = C.crohme_training_images() if a.close_ups > 0 else []
    say(f"{len(pages)} pages from {dirs}; close-ups: {a.close_ups:.0%} handwritten ({len(close_ups)} CROHME-train "
        f"images), {a.page_close_ups:.0%} page formulas; model {n_params(model)} params; batch {a.batch} x {a.size}px; "
        f"lr {a.lr}; schedule {a.steps} steps; page scale {a.min_scale}-{a.max_scale}{'; bfloat16 autocast' if amp else ''}")
    rng = np.random.default_rng(a.seed * 100003 + state["step"])
    # data.batch's arguments after the pages, the same in the trainer and its batch workers
    batch_args = (a.batch, a.size, a.max_scale, close_ups, a.close_ups, a.page_close_ups, a.min_scale)
    queues, workers = [], []
    fork = mp.get_context("fork")
    for w in range(a.workers):
        q = fork.Queue(maxsize=4)
        workers.append(fork.Process(target=_make_batches, daemon=True, args=(
            q, a.pages, a.seed * 100003 + state["step"] * 7 + w + 1, batch_args)))
        workers[-1].start()
        queues.append(q)
    model.train()
    t_save = time.time()
    acc = {"loss": 0.0, "bce": 0.0, "dice": 0.0, "n": 0, "t_data": 0.0, "t_step": 0.0}
    while state["step"] < a.steps and not STOP["flag"]:
        t0 = time.time()
        if queues:
            x, y = queues[state["step"] % len(queues)].get()
        else:
            x, y = data.batch(rng, pages, *batch_args)
        t1 = time.time()
        lr = lr_at(state["step"], a.steps, a.lr)
        for g in opt.param_groups:
            g["lr"] = lr
        x = torch.from_numpy(x).contiguous(memory_format=torch.channels_last)
        target = torch.from_numpy(y)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=amp):
            logits = model.logits(x).float()
            if teacher is not None:
                with torch.no_grad():
                    soft = torch.sigmoid(teacher.logits(x).float())
                    if a.truth_floor:  # the teacher never pulls a true formula core down (small print it misses)
                        soft = torch.maximum(soft, target)
        loss, bce, dice = loss_fn(logits, target)
        if teacher is not None:
            loss = loss + a.distill * distill_loss(logits, soft)
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
            new_dirs = page_dirs(a.pages)
            if new_dirs != dirs:
                dirs, pages = new_dirs, load_page_sets(new_dirs)
                say(f"now {len(pages)} pages from {len(dirs)} sets")
        if state["step"] % a.keep_every == 0:
            save(os.path.join(a.run, f"step_{state['step']}.pt"), model, opt, state)
        if time.time() - t_save > a.save_every:
            save(last, model, opt, state)
            t_save = time.time()
    save(last, model, opt, state)
    for w in workers:
        w.terminate()
        w.join()
    say(f"saved {last} at step {state['step']} ({state['seen']} samples seen)"
        + (" [stopped by signal]" if STOP["flag"] else " [schedule done]"))


if __name__ == "__main__":
    main()
