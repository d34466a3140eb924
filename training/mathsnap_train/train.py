"""Train the recognizer, resumably: in the background on this machine's CPU, or on a GPU machine
from a data pack (training/gpu/run.sh).

    OMP_NUM_THREADS=1 nohup python3 -m training.mathsnap_train.train --run runs/rec > /dev/null 2>&1 &
    python3 -m training.mathsnap_train.train --run runs/gpu --pack .pack --device cuda --size large \
        --batch 256 --workers 15 --time-budget 420

Threads: making a batch is about a tenth of the work (224 samples/s of data on one core against 21
trained), so on an otherwise idle machine train in-process on both cores (OMP_NUM_THREADS=2, --workers 0:
28-36 samples/s for the base size) and go back to one thread while builds or evaluations run beside it
(two threads beside a build collapse to a few samples/s).

Checkpoints (runs/<run>/last.pt, best.pt) and the log (runs/<run>/train.log) stay out of git.
SIGTERM/SIGINT saves a checkpoint and exits, so a stopped run resumes where it was.

--ema keeps an exponential moving average of the weights beside the trained ones (torch's
AveragedModel): the average is what is validated and what best.pt and validated.pt hold, i.e. what ships;
last.pt holds both, so a resume continues the trained weights and their average alike. Why: late in a
run, at a small learning rate, single steps still pull the weights toward the last few batches; the
average over the last ~1/(1-decay) steps sits nearer the middle of the basin and generalises better,
as the soups of two checkpoints did here (soup.py), without choosing checkpoints after the fact.
"""
import argparse
import atexit
import json
import math
import multiprocessing
import os
import random
import signal
import sys
import time

import cv2
import numpy as np
import torch
import torch.nn.functional as F
from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn

from .. import bf16
from .data import (Mixture, Vocab, coverage_set, crohme_train_split, make_input, novel_formulas, sample_image,
                   synthetic_sets)
from .model import SIZES, Recognizer, greedy
from .preprocess import WIDTH
from .real_sets import real_set

SHARED_EVAL = os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "eval")


def scorer_norm(pack=None):
    """The scorer's own normalisation (eval/texnorm.py), for honest validation; a pack carries a copy."""
    sys.path.insert(0, pack if pack else SHARED_EVAL)
    from texnorm import norm
    return norm


def lr_at(seen, peak, warmup=4000, decay_to=400_000, progress=None):
    """Linear warm-up, then cosine decay to 5% of the peak at `decay_to` samples (or, for a run
    with a time budget, at the end of the budget: `progress` is the share of it spent)."""
    if seen < warmup:
        return peak * seen / warmup
    p = min(1.0, (seen - warmup) / (decay_to - warmup)) if progress is None else min(1.0, progress)
    return peak * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * p)))


def cooled_lr(seen, start, length, peak, warmup, decay_to):
    """A cooldown (warmup-stable-decay): the schedule's rate at `start`, falling linearly to zero over
    `length` samples. A long cosine run is paid for in its final, low-rate stretch; a cooldown branched
    off it harvests that now, and the main run goes on from where it was."""
    return lr_at(start, peak, warmup, decay_to) * max(0.0, 1.0 - (seen - start) / length)


def curriculum_max_len(seen):
    return int(min(150, 24 + seen / 1500))


def to_batch(xs, ys, vocab, reverse=False):
    """Inputs as uint8 (ink x 255: a quarter of the bytes that workers pass through shared memory,
    which containers often keep small; 1/255 steps are far below the model's sensitivity) and the
    teacher-forcing input and target token ids (last token first with reverse: a right-to-left decoder)."""
    if reverse:
        ys = [y[::-1] for y in ys]
    t = max(len(y) for y in ys) + 1
    inp = torch.full((len(ys), t), vocab.pad, dtype=torch.long)
    tgt = torch.full((len(ys), t), vocab.pad, dtype=torch.long)
    for i, y in enumerate(ys):
        inp[i, :len(y) + 1] = torch.tensor([vocab.bos] + y)
        tgt[i, :len(y) + 1] = torch.tensor(y + [vocab.eos])
    return torch.from_numpy(np.round(xs * 255.0).astype(np.uint8)), inp, tgt


class BatchStream(torch.utils.data.IterableDataset):
    """Endless training batches from a Mixture. With DataLoader workers each worker draws its own
    (seeded) samples and follows the curriculum by the samples all workers have made so far."""

    def __init__(self, parts, photo_share, batch, vocab, start_seen, seed, reverse=False, max_width=WIDTH):
        self.parts, self.photo_share, self.batch, self.vocab = parts, photo_share, batch, vocab
        self.start_seen, self.seed, self.reverse, self.max_width = start_seen, seed, reverse, max_width

    def __iter__(self):
        info = torch.utils.data.get_worker_info()
        worker, workers = (info.id, info.num_workers) if info else (0, 1)
        if info:
            cv2.setNumThreads(1)
            torch.set_num_threads(1)
            # The training process decides when to stop. A stop signal sent to the whole process group (GNU
            # timeout, a session's end) killed this worker first, and the training process then died on the
            # lost worker before it could save; ignored here, the signal stops it cleanly, and the worker
            # ends with it (DataLoader workers exit when their parent does).
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            signal.signal(signal.SIGINT, signal.SIG_IGN)
        mix = Mixture(self.parts, seed=self.seed * 1000 + worker, photo_share=self.photo_share,
                      max_width=self.max_width)
        made = 0
        while True:
            xs, ys = mix.batch(self.batch, curriculum_max_len(self.start_seen + made * workers))
            made += self.batch
            yield to_batch(xs, ys, self.vocab, self.reverse)


def batches(parts, args, vocab, seen):
    stream = BatchStream(parts, args.photo_share, args.batch, vocab, seen, seen + 1, args.direction == "r2l",
                         args.max_width)
    if args.workers == 0:
        return iter(stream)
    # spawned, not forked: a fork inherits OpenCV's and OpenMP's thread pools (and CUDA) in a state
    # that can deadlock the child; a worker that stops answering raises after `timeout` s, never hangs
    loader = torch.utils.data.DataLoader(stream, batch_size=None, num_workers=args.workers, prefetch_factor=2,
                                         pin_memory=args.device == "cuda", multiprocessing_context="spawn",
                                         timeout=180)
    atexit.register(kill_batch_workers)
    return iter(loader)


def kill_batch_workers():
    """At exit, kill any batch worker still alive. The workers ignore SIGTERM (BatchStream.__iter__), and
    multiprocessing's own exit handler stops its daemonic children with SIGTERM and then waits for them: after
    an error in the training loop (a worker's image file gone: a pack rebuilt under a running run, 2026-12-08)
    the trainer hung there for good, neither training nor saving, and `run.sh stop` could not end it. The
    workers hold nothing to save; registered after multiprocessing's handler, this runs before it."""
    for child in multiprocessing.active_children():
        child.kill()


def validate(model, vocab, lset, norm, device, n=300, batch=100, reverse=False):
    """Greedy ExpRate on the first n items (coverage sets: a fixed noise draw per item); reverse: the
    model reads right to left, so its output is turned around before scoring."""
    return percent(read_right(model, vocab, lset, norm, device, n, batch, reverse))


def percent(right):
    """The share of True in a list, in percent (0 for an empty one)."""
    return 100.0 * sum(right) / max(len(right), 1)


@torch.no_grad()
def read_right(model, vocab, lset, norm, device, n=300, batch=100, reverse=False):
    """Whether each of the first n items is read exactly right, greedy (validate's reading)."""
    model.eval()
    count = min(n, len(lset))
    right = [False] * count
    for k in range(0, count, batch):
        ks = range(k, min(k + batch, count))
        inputs = [make_input(sample_image(lset, i, random.Random(i)), max_width=model.max_width) for i in ks]
        # each input read at its own canvas width, as the engine reads a crop: a batch per width
        for width in sorted({x.shape[1] for x in inputs}):
            same = [(i, x) for i, x in zip(ks, inputs) if x.shape[1] == width]
            x = torch.from_numpy(np.stack([x for _, x in same])[:, None])
            for (i, _), out in zip(same, greedy(model, x.to(device), vocab.bos, vocab.eos)):
                out = out[::-1] if reverse else out
                right[i] = norm(" ".join(vocab.decode(out))) == norm(lset.items[i][2])
    model.train()
    return right


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--run", default="runs/rec")
    ap.add_argument("--size", default="base", choices=list(SIZES), help="model widths (a fresh run only)")
    ap.add_argument("--max-width", type=int, default=WIDTH,
                    help=f"the widest canvas (v2 only; a resumed run may widen its own, not narrow it): a formula too "
                         f"long for 64 x {WIDTH} keeps its height on a canvas up to this wide (preprocess.canvas_width)")
    ap.add_argument("--batch", type=int, default=24)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--decay-to", type=int, default=400_000)
    ap.add_argument("--warmup", type=int, default=4000, help="samples of linear learning-rate warm-up")
    ap.add_argument("--val-every", type=int, default=15_000)
    ap.add_argument("--max-samples", type=int, default=10_000_000)
    ap.add_argument("--time-budget", type=float, default=0,
                    help="seconds of training; the learning rate then decays over the budget and the run stops at its end")
    ap.add_argument("--cooldown", type=int, default=0, metavar="SAMPLES",
                    help="from where the run is now (kept across resumes), take the learning rate linearly to zero "
                         "over this many samples, then judge the model and stop; run it on a copy of the run folder")
    ap.add_argument("--crohme-share", type=float, default=0.45,
                    help="share of real handwriting (CROHME train) among the samples, before --extra-coverage")
    ap.add_argument("--commercial-ok", action="store_true",
                    help="train only on sources whose licence allows commercial use: leaves out CROHME (research and "
                         "non-commercial use only) and packs drawn with its glyph bank (MODEL_CARD, 'Data licences')")
    ap.add_argument("--photo-share", type=float, default=0.5,
                    help="share of CROHME samples redrawn through the data engine's paper and noise cells")
    ap.add_argument("--rewarm", type=int, default=0,
                    help="after a resume, ramp the learning rate up over this many samples (fresh optimizer state)")
    ap.add_argument("--pack", default=None, help="train from a GPU pack (training.gpu.make_pack) instead of ../shared and the cache")
    ap.add_argument("--extra-coverage", action="append", default=[], metavar="DIR=WEIGHT",
                    help="another pack's rendered formulas (DIR/synth) as an extra training set with this share "
                         "(the others shrink in proportion), e.g. a symbols-only pack made with make_pack --spec")
    ap.add_argument("--real", nargs="+", default=[], metavar="DIR_OR_ZIP",
                    help="real labelled crops: folders with labels.tsv (mathsnap read --save-crops) or the app's "
                         "exported corrections (.zip); checked and deduplicated by real_sets.py")
    ap.add_argument("--real-share", type=float, default=0.1,
                    help="share of training samples drawn from --real (the other sets shrink in proportion)")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--workers", type=int, default=0, help="DataLoader worker processes making batches (0: in this process)")
    ap.add_argument("--amp", choices=["auto", "on", "off"], default="auto",
                    help="bfloat16 autocast; auto: where it makes a step faster (GPU, AMX, or AVX512-BF16 where "
                         "a probe measures it faster: training/bf16.py)")
    ap.add_argument("--direction", default="l2r", choices=["l2r", "r2l"],
                    help="r2l: the decoder reads the formula's tokens last first (a second decoder over the same "
                         "encoder, which the engine uses to rescore the beam's hypotheses)")
    ap.add_argument("--init-from", default=None, metavar="CKPT",
                    help="a new run (no last.pt yet) starts from this checkpoint's weights and sample count, "
                         "with a fresh optimizer, e.g. a right-to-left decoder from the shipped model")
    ap.add_argument("--init-encoder-from", default=None, metavar="CKPT",
                    help="a new run (no last.pt yet) of --size starts with this checkpoint's encoder and a fresh "
                         "decoder, e.g. recognizer v2 from the shipped model's trained encoder; the sample count "
                         "starts at 0 so the decoder gets the curriculum and warm-up")
    ap.add_argument("--freeze-encoder", action="store_true",
                    help="train the decoder only: the encoder's weights and BatchNorm statistics stay as they are "
                         "(a second decoder must share the shipped encoder)")
    ap.add_argument("--ema", type=float, default=0.0,
                    help="decay per step of an exponential moving average of the weights (e.g. 0.999; 0: none); "
                         "the average is validated and shipped")
    ap.add_argument("--checkpoint-minutes", type=float, default=10.0,
                    help="save last.pt this often besides at each validation, so that a run killed without warning "
                         "(SIGKILL, the machine going away) loses minutes, not a validation interval")
    args = ap.parse_args()
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
    os.makedirs(args.run, exist_ok=True)
    log = open(os.path.join(args.run, "train.log"), "a", buffering=1)

    def say(msg):
        log.write(time.strftime("%H:%M:%S ") + msg + "\n")

    device = torch.device(args.device)
    amp = bf16.resolve(args.amp, device.type)
    vocab = Vocab()
    norm = scorer_norm(args.pack)
    state = {"seen": 0, "best": -1.0, "step": 0}
    last = os.path.join(args.run, "last.pt")
    ck = torch.load(last, map_location="cpu") if os.path.exists(last) else None
    if ck and ck.get("direction", "l2r") != args.direction:
        raise SystemExit(f"{last} trains a {ck.get('direction', 'l2r')} decoder, not {args.direction}")
    start = ck or (torch.load(args.init_from, map_location="cpu") if args.init_from else None)
    size = start.get("size", "base") if start else args.size
    try:
        max_width = run_canvas(ck.get("max_width", WIDTH) if ck else None, args.max_width)
    except ValueError as e:
        raise SystemExit(f"{last}: {e}")
    if ck and max_width != ck.get("max_width", WIDTH):
        say(f"canvas widened from 64 x {ck.get('max_width', WIDTH)} to 64 x {max_width}")
    try:
        model = Recognizer(len(vocab.itos), size, max_width=max_width).to(device)
    except ValueError as e:
        raise SystemExit(f"--max-width: {e}")
    if args.freeze_encoder:
        model.encoder.requires_grad_(False)
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=args.lr, weight_decay=1e-4)
    if ck:
        model.load_state_dict(ck["model"])
        if "opt" in ck:
            try:
                opt.load_state_dict(ck["opt"])
            except ValueError:  # another set of trained parameters (e.g. the encoder frozen before, not now)
                say("optimizer state does not fit the trained parameters: a fresh optimizer (use --rewarm)")
        state = ck["state"]
        say(f"resumed at {state['seen']} samples")
    elif args.init_encoder_from:
        say(load_encoder(model, args.init_encoder_from))
    elif start:
        model.load_state_dict(start["model"])
        state["seen"] = start["state"]["seen"]  # the curriculum is complete; --rewarm ramps the learning rate
        say(f"{args.direction} run started from {args.init_from} ({state['seen']} samples)")
    say(f"model {size}: {sum(p.numel() for p in model.parameters())} parameters on {device}, "
        f"canvas up to 64 x {max_width}{', bfloat16 autocast' if amp else ''}")
    ema = make_ema(model, args.ema, ck)
    if ema is not None:
        say(f"weights averaged with decay {args.ema} per step ({int(ema.n_averaged)} steps so far)")
    shipped_model = ema.module if ema is not None else model  # what is validated and exported

    def save(path, shipped=False):
        """last.pt: what a resume needs; best.pt/validated.pt (shipped): the weights that are validated."""
        weights = shipped_model if shipped else model
        ck = {"model": weights.state_dict(), "state": state, "vocab": vocab.itos, "size": size,
              "direction": args.direction, "max_width": max_width}
        if not shipped:
            ck["opt"] = opt.state_dict()
            if ema is not None:
                ck["ema"] = ema.state_dict()
        torch.save(ck, path + ".tmp")
        os.replace(path + ".tmp", path)

    stop = {"now": False}
    signal.signal(signal.SIGTERM, lambda *_: stop.update(now=True))
    signal.signal(signal.SIGINT, lambda *_: stop.update(now=True))

    crohme, crohme_val = crohme_train_split(vocab, directory=os.path.join(args.pack, "crohme") if args.pack else None)
    novel = novel_formulas(crohme, crohme_val)

    # a pack is fixed: read once; the cache's shards can grow while a CPU run goes on, so it is re-read
    pack = ([coverage_set(vocab, os.path.join(args.pack, "synth"))],
            [coverage_set(vocab, os.path.join(args.pack, "synth-val"))]) if args.pack else None

    def training_sets():
        return pack[0] if pack else synthetic_sets(vocab)

    def validation_sets():
        return pack[1] if pack else synthetic_sets(vocab, "synth-val")

    # --real: read once (fixed sets); bad rows are reported on stderr and skipped
    if not 0.0 <= args.real_share < 1.0:
        raise SystemExit(f"--real-share must lie in [0, 1), not {args.real_share}")
    real = None
    if args.real:
        try:
            real, reports = real_set(args.real, vocab)
        except ValueError as e:
            raise SystemExit(f"--real: {e}")
        for r in reports:
            say(r.line())

    if args.commercial_ok:
        try:
            refuse_noncommercial([args.pack or ""] + [e.rsplit("=", 1)[0] for e in args.extra_coverage])
        except ValueError as e:
            raise SystemExit(f"--commercial-ok: {e}")

    def build_stream():
        synth = training_sets()
        if args.commercial_ok and not synth:  # before the extras are loaded: nothing to train on
            raise SystemExit(NOTHING_COMMERCIAL)
        extras = []
        for spec in args.extra_coverage:
            directory, weight = spec.rsplit("=", 1)
            extras.append((coverage_set(vocab, os.path.join(directory, "synth"),
                                        os.path.basename(os.path.normpath(directory))), float(weight)))
        parts = training_mixture(crohme, synth, extras, real, crohme_share=args.crohme_share,
                                 real_share=args.real_share, commercial_ok=args.commercial_ok)
        say("training sets: " + ", ".join(f"{s.name}={len(s)}" for s, _ in parts))
        return batches(parts, args, vocab, state["seen"]), len(synth)

    stream, n_synth = build_stream()
    synth_val = validation_sets()
    resumed_at, started = state["seen"], time.time()
    saved_at = started
    t0, loss_sum, next_val = time.time(), 0.0, state["seen"] - state["seen"] % args.val_every + args.val_every
    set_training(model, args.freeze_encoder)
    if args.cooldown:  # where it began, so that a resumed cooldown goes on down the same line
        state.setdefault("cooldown_from", state["seen"])
        args.max_samples = min(args.max_samples, state["cooldown_from"] + args.cooldown)
    while not stop["now"] and state["seen"] < args.max_samples:
        elapsed = time.time() - started
        if args.time_budget and elapsed >= args.time_budget:
            break
        x, inp, tgt = (t.to(device, non_blocking=True) for t in next(stream))
        x = x.float() / 255.0
        ramp = min(1.0, (state["seen"] - resumed_at + args.batch) / args.rewarm) if args.rewarm else 1.0
        progress = elapsed / args.time_budget if args.time_budget else None
        rate_now = (cooled_lr(state["seen"], state["cooldown_from"], args.cooldown, args.lr, args.warmup, args.decay_to)
                    if args.cooldown else lr_at(state["seen"], args.lr, args.warmup, args.decay_to, progress))
        for g in opt.param_groups:
            g["lr"] = ramp * rate_now
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=amp):
            lp = teacher_forced_logprobs(model, x, inp, args.freeze_encoder)
        loss = F.nll_loss(lp.float().reshape(-1, lp.shape[-1]), tgt.reshape(-1), ignore_index=vocab.pad)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        opt.step()
        if ema is not None:
            ema.update_parameters(model)
        state["seen"] += x.shape[0]
        state["step"] += 1
        loss_sum = loss_sum + loss.detach()  # summed on the device: no synchronisation per step
        if state["step"] % 50 == 0:
            rate = 50 * args.batch / (time.time() - t0)
            t0 = time.time()
            say(f"seen {state['seen']} loss {float(loss_sum) / 50:.3f} lr {opt.param_groups[0]['lr']:.2e} {rate:.1f} samples/s")
            loss_sum = 0.0
        if time.time() - saved_at >= 60 * args.checkpoint_minutes:
            save(last)
            saved_at = time.time()
        if state["seen"] >= next_val:
            next_val += args.val_every
            evaluate_and_save(shipped_model, vocab, norm, device, crohme_val, synth_val, state, save, last, say,
                              averaged=ema is not None, reverse=args.direction == "r2l", novel=novel)
            set_training(model, args.freeze_encoder)
            if not args.pack and len(training_sets()) != n_synth:
                stream, n_synth = build_stream()
            synth_val = validation_sets()
            t0 = time.time()
    if args.time_budget or (args.cooldown and state["seen"] >= args.max_samples):  # the annealed model: judge it too
        evaluate_and_save(shipped_model, vocab, norm, device, crohme_val, synth_val, state, save, last, say,
                          averaged=ema is not None, reverse=args.direction == "r2l", novel=novel)
    save(last)
    say(f"stopped at {state['seen']} samples after {time.time() - started:.0f}s")


NOTHING_COMMERCIAL = "--commercial-ok: no synthetic training set to train on without CROHME"


def noncommercial_pack(directory):
    """A pack made with CROHME's glyph bank carries its licence (make_pack records glyph_bank in pack.json).
    A pack.json that cannot be read is a ValueError naming it: its licence cannot be known."""
    stats = os.path.join(directory, "pack.json")
    if not directory or not os.path.exists(stats):
        return False
    try:
        with open(stats, encoding="utf-8") as f:
            return bool(json.load(f).get("glyph_bank"))
    except (ValueError, AttributeError) as e:  # not JSON, not UTF-8, or not an object
        raise ValueError(f"{stats} cannot be read ({e}), so the pack's licence is unknown") from e


def refuse_noncommercial(directories):
    """ValueError naming the first pack drawn with CROHME's glyph bank ('' is no pack: the cache)."""
    for directory in directories:
        if noncommercial_pack(directory):
            raise ValueError(f"{directory} was drawn with CROHME's glyph bank (non-commercial)")


def run_canvas(resumed, asked):
    """The widest canvas a run trains on: a fresh run, or one started from another's weights (resumed None),
    takes --max-width; a resumed run keeps its own unless asked for a wider one. Widening is safe mid-run:
    the weights do not depend on the canvas (the encoder's positional encoding of a wide canvas is a formula,
    model.positional_encoding_2d), so formulas too long for the old canvas stop being squeezed into it.
    Narrowing is refused: formulas the run has learnt at their height would be squeezed again."""
    if resumed is None:
        return asked
    if asked == WIDTH or asked == resumed:   # --max-width left at its default keeps the run's canvas
        return resumed
    if asked < resumed:
        raise ValueError(f"the run reads a {resumed}-wide canvas; a narrower one (--max-width {asked}) needs a new run")
    return asked


def training_mixture(crohme, synth, extras, real, *, crohme_share, real_share, commercial_ok=False):
    """[(set, share)] that the batches draw from, shares summing to 1: CROHME train at crohme_share (all
    of it when there is no synthetic set), the synthetic sets splitting the rest; each (set, weight) of
    extras then takes its weight and the others shrink in proportion, and a non-empty real set likewise
    takes real_share. commercial_ok leaves out CROHME (licensed for research and non-commercial use
    only): its share goes to the synthetic sets, and without one there is nothing to train on
    (ValueError)."""
    if commercial_ok and not synth:
        raise ValueError(NOTHING_COMMERCIAL)
    share = 0.0 if commercial_ok else crohme_share if synth else 1.0
    parts = ([(crohme, share)] if share else []) + [(s, (1 - share) / len(synth)) for s in synth]
    for extra, weight in extras:
        parts = [(s, w * (1 - weight)) for s, w in parts] + [(extra, weight)]
    if real is not None and len(real):  # mixed in as the extras are, at real_share
        parts = [(s, w * (1 - real_share)) for s, w in parts] + [(real, real_share)]
    return parts


def load_encoder(model, path):
    """Copy a checkpoint's encoder into the model (same encoder widths required); the decoder is left as
    initialised. Returns a line for the log."""
    weights = torch.load(path, map_location="cpu")["model"]
    encoder = {k[len("encoder."):]: v for k, v in weights.items() if k.startswith("encoder.")}
    try:
        model.encoder.load_state_dict(encoder)
    except RuntimeError as e:
        raise SystemExit(f"--init-encoder-from {path}: its encoder does not fit this size's: {e}")
    return f"encoder from {path} ({sum(v.numel() for v in encoder.values())} values), fresh decoder"


def teacher_forced_logprobs(model, x, inp, freeze_encoder):
    """The model's log-probabilities for a batch; a frozen encoder runs without building a graph
    (nothing flows back through it, and its backward pass is most of a step's time)."""
    if not freeze_encoder:
        return model(x, inp)
    with torch.no_grad():
        memory, keys = model.encoder(x)
    return model.teacher_forced(memory, keys, inp)


def set_training(model, freeze_encoder):
    """Training mode, but a frozen encoder stays in eval mode: its BatchNorms keep the statistics the
    shipped encoder was exported with instead of following each batch."""
    model.train()
    if freeze_encoder:
        model.encoder.eval()


def make_ema(model, decay, ck):
    """The moving average of the model's weights (and BatchNorm statistics), resumed from the
    checkpoint's when it has one; None when decay is 0."""
    if not decay:
        return None
    if not 0.0 < decay < 1.0:
        raise ValueError(f"--ema must lie in (0, 1), not {decay}")
    ema = AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(decay), use_buffers=True)
    if ck and "ema" in ck:
        ema.load_state_dict(ck["ema"])
    return ema


def evaluate_and_save(model, vocab, norm, device, crohme_val, synth_val, state, save, last, say, averaged=False,
                      reverse=False, novel=()):
    """Validate the weights that would ship (the average, with --ema); keep the best of them, and
    with an average also the one just validated (without, last.pt holds those weights already).
    novel: the crohme_val items whose formula training never has (data.novel_formulas), reported apart."""
    right = read_right(model, vocab, crohme_val, norm, device, reverse=reverse)
    v = percent(right)
    novel = [right[k] for k in novel if k < len(right)]
    sv = {s.name: validate(model, vocab, s, norm, device, n=200, reverse=reverse) for s in synth_val}
    say(f"VAL seen {state['seen']} crohme-val ExpRate {v:.1f}% (formulas new to training {len(novel)}: "
        f"{percent(novel):.1f}%) synth-val {sv}")
    score = v + sum(sv.values())
    run = os.path.dirname(last)
    if score > state["best"]:
        state["best"] = score
        save(os.path.join(run, "best.pt"), shipped=True)
    if averaged:
        save(os.path.join(run, "validated.pt"), shipped=True)
    save(last)


if __name__ == "__main__":
    main()
