"""A narrower detector started from a trained one: every width group keeps its most important channels.

    python3 -m training.detector.shrink runs/teacher.pt --widths 16,32,64,96,128 --fpn 48 --out runs/small/init.pt

Why: a quarter-cost detector trained from scratch, even learning from the shipped model's maps, was
still far below it after 32,000 crops (validation F1 0.77 against 0.91). Starting from the shipped
weights keeps what they learnt; distillation (`train --teacher`) then repairs what the cut removed.

Channels are tied in groups: each stage's output (residual blocks add into it), and the FPN width
(laterals, smoothing blocks and head all sum into it). A group's channels are ranked by the summed
|gamma| of every BatchNorm over them (a channel the network scales down matters less) plus the L2
norm of the lateral convolutions' output rows for the FPN group, which has no BatchNorm of its own
at the laterals. Every tensor is then sliced along its input and output axes to the kept channels."""
import argparse
import os

import torch

from .model import from_config, load_checkpoint, n_params


def block_groups(prefix, a, b):
    """A DWBlock's tensors -> (group of axis 0, group of axis 1)."""
    return {f"{prefix}.dw.0": (a, None), f"{prefix}.dw.1": (a, None),
            f"{prefix}.pw.0": (b, a), f"{prefix}.pw.1": (b, None)}


def layout(depths=(2, 2, 3, 3)):
    """Module prefix -> (group of axis 0, group of axis 1) for DetNet's tensors; groups are 0-4 (stages) and
    'F' (the FPN width); None means the axis keeps every channel."""
    g = {"stem.0": (0, None), "stem.1": (0, None)}
    for s, depth in enumerate(depths, start=1):
        for k in range(depth):
            g.update(block_groups(f"s{s}.{k}", s - 1 if k == 0 else s, s))
    for i in range(4):
        g[f"lat.{i}"] = ("F", i + 1)
        g.update(block_groups(f"smooth.{i}", "F", "F"))
    g.update(block_groups("head.0", "F", "F"))
    g["head.1"] = (None, "F")
    return g


def importance(state, groups):
    """group -> per-channel importance scores of the source model."""
    scores = {}
    for key, t in state.items():
        prefix, name = key.rsplit(".", 1)
        out_group = groups.get(prefix, (None, None))[0]
        if out_group is None:
            continue
        if name == "weight" and t.dim() == 1:  # a BatchNorm's gamma
            scores[out_group] = scores.get(out_group, 0) + t.abs()
        elif name == "weight" and prefix.startswith("lat."):
            scores[out_group] = scores.get(out_group, 0) + t.flatten(1).norm(dim=1)
    return scores


def shrink(source, widths, fpn):
    """DetNet `source` -> a DetNet of `widths`/`fpn` holding the kept channels of its weights."""
    target = from_config({"widths": list(widths), "fpn": fpn})
    groups = layout()
    src = source.state_dict()
    scores = importance(src, groups)
    sizes = dict(enumerate(widths), F=fpn)
    keep = {g: torch.sort(torch.topk(s, sizes[g]).indices).values for g, s in scores.items()}
    out = {}
    for key, t in target.state_dict().items():
        s = src[key]
        prefix = key.rsplit(".", 1)[0]
        g0, g1 = groups.get(prefix, (None, None))
        if s.dim() >= 1 and g0 is not None:
            s = s.index_select(0, keep[g0])
        if s.dim() >= 2 and g1 is not None and s.shape[1] != 1:  # depthwise kernels have one input per group
            s = s.index_select(1, keep[g1])
        if s.shape != t.shape:
            raise SystemExit(f"{key}: kept {tuple(s.shape)}, the narrower model wants {tuple(t.shape)}")
        out[key] = s.clone()
    target.load_state_dict(out)
    return target


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("source", help="checkpoint of the wider detector (recover.py rebuilds one from the shipped ONNX)")
    ap.add_argument("--widths", required=True)
    ap.add_argument("--fpn", type=int, required=True)
    ap.add_argument("--out", required=True)
    a = ap.parse_args(argv)
    source, ck = load_checkpoint(a.source)
    model = shrink(source, tuple(int(v) for v in a.widths.split(",")), a.fpn)
    os.makedirs(os.path.dirname(a.out) or ".", exist_ok=True)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=1e-4)
    torch.save({"model": model.state_dict(), "opt": opt.state_dict(),
                "state": {"step": 0, "seen": ck.get("state", {}).get("seen", 0), "shrunk_from": a.source},
                "config": model.config}, a.out)
    print(f"{a.out}: {n_params(model)} parameters from {n_params(source)}")


if __name__ == "__main__":
    main()
