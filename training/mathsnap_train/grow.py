"""Grow a trained base recognizer into the "deep" size without changing what it computes.

    python3 -m training.mathsnap_train.grow runs/shipped.pt --out runs/ftk/last.pt

Why: every CPU continuation of the 1.55 M-parameter base model traded CROHME for the synthetic
formulas; more capacity from scratch costs more samples than this machine's CPU gives in a session.
Growing keeps the trained weights and adds residual pairs on top of the encoder whose last BatchNorm
starts at zero scale and shift, so each new pair adds nothing (x + 0 through a ReLU of x, which is
already >= 0) until training moves it (zero-initialised residuals, Goyal et al. 2017). The grown
checkpoint has no optimizer state: the trainer starts a fresh one (use --rewarm).
"""
import argparse
import os

import torch
import torch.nn as nn

from .model import Recognizer, SIZES


def grow(base_state, vocab_size, size="deep"):
    """A `size` model holding `base_state` (a base model's weights) that computes exactly what it does."""
    model = Recognizer(vocab_size, size)
    expected = {k: v.shape for k, v in model.state_dict().items() if not k.startswith("encoder.deeper.")}
    if {k: v.shape for k, v in base_state.items()} != expected:
        raise ValueError("not a base model's weights: its tensors differ from the base size's")
    model.load_state_dict(base_state, strict=False)
    for pair in model.encoder.deeper:
        nn.init.zeros_(pair.b[1].weight)
        nn.init.zeros_(pair.b[1].bias)
    return model


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("checkpoint", help="a base model's checkpoint (training, soup or recover output)")
    ap.add_argument("--size", default="deep", choices=[s for s, w in SIZES.items() if w["extra_pairs"]])
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    ck = torch.load(args.checkpoint, map_location="cpu")
    if ck.get("size", "base") != "base":
        raise SystemExit(f"{args.checkpoint} holds a {ck.get('size')} model; only base models grow")
    model = grow(ck["model"], len(ck["vocab"]), args.size)
    state = dict(ck.get("state", {}), best=-1.0, grown_from=os.path.basename(args.checkpoint))
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    torch.save({"model": model.state_dict(), "state": state, "vocab": ck["vocab"], "size": args.size}, args.out + ".tmp")
    os.replace(args.out + ".tmp", args.out)
    print(f"grew {args.checkpoint} into a {args.size} model: {sum(p.numel() for p in model.parameters())} parameters -> {args.out}")


if __name__ == "__main__":
    main()
