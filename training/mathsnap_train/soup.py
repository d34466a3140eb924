"""Average the weights of recognizer checkpoints that share one lineage (a "model soup").

    python3 -m training.mathsnap_train.soup runs/shipped.pt runs/ftb/best.pt --out runs/soup/best.pt

Why: a fine-tune of the shipped model on new data (new formulas, new photo conditions) gains there
and loses some of what the shipped model read well (CROHME); the average of the two weight sets sits
between them in weight space and, for checkpoints of one trajectory, keeps most of both gains (robust
fine-tuning by weight interpolation, Wortsman et al. 2022, "WiSE-FT" and "model soups"). It costs
nothing at inference: one model, the same size. Checkpoints from unrelated runs must not be averaged
(their units are not aligned), so every source must descend from the same start: that is on the user;
what is checked here is that sizes, vocabularies and tensor shapes agree.

BatchNorm running statistics are averaged like the weights; integer buffers come from the first source.
The result resumes and exports like any checkpoint (no optimizer state: a resume restarts it).
"""
import argparse
import os

import torch

from .preprocess import WIDTH


def average(checkpoints, weights=None):
    """The weighted mean of the checkpoints' model tensors, as a checkpoint of the first one's kind."""
    if not checkpoints:
        raise ValueError("no checkpoints to average")
    weights = weights or [1.0] * len(checkpoints)
    if len(weights) != len(checkpoints) or min(weights) < 0 or sum(weights) <= 0:
        raise ValueError("one non-negative weight per checkpoint, not all zero")
    shares = [w / sum(weights) for w in weights]
    first = checkpoints[0]
    for ck in checkpoints[1:]:
        if ck.get("size", "base") != first.get("size", "base") or ck.get("vocab") != first.get("vocab"):
            raise ValueError("checkpoints of different model sizes or vocabularies cannot be averaged")
        if ck.get("max_width", WIDTH) != first.get("max_width", WIDTH):
            raise ValueError("checkpoints trained on different canvases cannot be averaged")
        if ck["model"].keys() != first["model"].keys() or any(
                ck["model"][k].shape != v.shape for k, v in first["model"].items()):
            raise ValueError("checkpoints with different tensors cannot be averaged")
    model = {}
    for name, tensor in first["model"].items():
        if tensor.is_floating_point():
            model[name] = sum(s * ck["model"][name].double() for s, ck in zip(shares, checkpoints)).to(tensor.dtype)
        else:
            model[name] = tensor.clone()
    seen = [ck.get("state", {}).get("seen", 0) for ck in checkpoints]
    # one lineage: the samples behind the soup are those of its longest-trained source
    state = {"seen": max(seen), "best": -1.0, "step": max(ck.get("state", {}).get("step", 0) for ck in checkpoints),
             "soup": [{"seen": s, "share": round(w, 4)} for s, w in zip(seen, shares)]}
    return {"model": model, "state": state, "vocab": first.get("vocab"), "size": first.get("size", "base"),
            "max_width": first.get("max_width", WIDTH)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("checkpoints", nargs="+", help="checkpoints of one lineage (e.g. recover's output and fine-tunes of it)")
    ap.add_argument("--weights", type=float, nargs="+", help="one per checkpoint (default: equal)")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    soup = average([torch.load(p, map_location="cpu") for p in args.checkpoints], args.weights)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    torch.save(soup, args.out + ".tmp")
    os.replace(args.out + ".tmp", args.out)
    print(f"averaged {len(args.checkpoints)} checkpoints into {args.out} ({soup['state']['soup']})")


if __name__ == "__main__":
    main()
