"""Rebuild a resumable PyTorch checkpoint from the shipped ONNX detector, so that a fresh machine can
fine-tune the model users have instead of training a new one from scratch.

    python3 -m training.detector.recover models/detector.onnx --pages /work/cache/pages/train-a --out runs/det/last.pt

The exporter folded every BatchNorm into the convolution before it and kept the other convolutions
(laterals, the last 1x1) under their parameter names. Convolutions are matched to the graph's Conv nodes
in execution order (a forward hook records it), the shape is read off the graph, and each BatchNorm is
re-created as in training.mathsnap_train.recover: exact in eval mode, with running statistics measured on
real training crops so that training mode normalises like the original. The optimizer state starts fresh.
"""
import argparse
import json
import os

import numpy as np
import onnx
import torch
import torch.nn as nn
from onnx import numpy_helper

from ..mathsnap_train.recover import folded_pairs, graph_initializers, rebuild_batchnorms
from . import data
from .model import DetNet


def graph_convs(path):
    """[(weight name, weight, bias)] of every Conv node, in node (= execution) order; weights stored
    as float16 (export --fp16-weights) come back as float32 under the name their Cast produces."""
    graph = onnx.load(path).graph
    inits = dict(graph_initializers(graph))
    out = []
    for node in graph.node:
        if node.op_type == "Conv":
            w = node.input[1]
            b = inits[node.input[2]] if len(node.input) > 2 and node.input[2] else None
            out.append((w, inits[w], b))
    return out


def shape_of(convs):
    """DetNet widths and FPN width read off the graph: the stem's output, and each lateral 1x1
    convolution (kept under its name) maps a stage's width to the FPN width."""
    lat = {int(name.split(".")[1]): w for name, w, _ in convs if name.startswith("lat.")}
    if sorted(lat) != [0, 1, 2, 3]:
        raise SystemExit("the graph has no lat.0-3 convolutions: not a DetNet export")
    widths = (convs[0][1].shape[0],) + tuple(lat[i].shape[1] for i in range(4))
    return tuple(int(v) for v in widths), int(lat[0].shape[0])


def execution_order(model, size=64):
    """Conv2d module names in the order a forward pass calls them."""
    order, hooks = [], []
    for name, module in model.named_modules():
        if isinstance(module, nn.Conv2d):
            hooks.append(module.register_forward_hook(lambda _m, _i, _o, n=name: order.append(n)))
    with torch.no_grad():
        model(torch.rand(1, 3, size, size))
    for h in hooks:
        h.remove()
    return order


@torch.no_grad()
def recover(onnx_path, calibration):
    """-> DetNet (eval mode) computing what `onnx_path` computes. `calibration`: f32 [N, 3, H, W] real
    inputs for the BatchNorm statistics (any inputs keep eval mode exact)."""
    convs = graph_convs(onnx_path)
    widths, fpn = shape_of(convs)
    model = DetNet(widths, fpn).eval()
    order = execution_order(model)
    if len(order) != len(convs):
        raise SystemExit(f"the model calls {len(order)} convolutions, the graph has {len(convs)}")
    pairs = folded_pairs(model)
    folded = {conv for conv, _ in pairs}
    modules = dict(model.named_modules())
    biases = {}
    for name, (_, weight, bias) in zip(order, convs):
        conv = modules[name]
        if tuple(conv.weight.shape) != tuple(weight.shape):
            raise SystemExit(f"{name}: model {tuple(conv.weight.shape)} vs graph {tuple(weight.shape)}")
        conv.weight.copy_(weight)
        if name in folded:
            biases[name] = bias if bias is not None else torch.zeros(weight.shape[0])
        elif conv.bias is not None:
            conv.bias.copy_(bias)
    rebuild_batchnorms(model, pairs, biases, calibration)
    return model.eval()


def trained_samples(onnx_path):
    """The crops the shipped model was trained on, from the manifest beside it (0 when unknown)."""
    manifest = os.path.join(os.path.dirname(onnx_path), "manifest.json")
    if not os.path.exists(manifest):
        return 0
    return json.load(open(manifest)).get("detector", {}).get("trained_samples") or 0


def calibration_crops(pages_dir, n=32, seed=0):
    pages = data.load_pages(pages_dir)
    x, _ = data.batch(np.random.default_rng(seed), pages, n)
    return torch.from_numpy(x)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("onnx", nargs="?", default="models/detector.onnx")
    ap.add_argument("--pages", required=True, help="a train page set (make_pages output) for calibration")
    ap.add_argument("--out", default="runs/det/last.pt")
    a = ap.parse_args()
    torch.set_num_threads(1)
    model = recover(a.onnx, calibration_crops(a.pages))
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=1e-4)
    os.makedirs(os.path.dirname(a.out) or ".", exist_ok=True)
    # a fresh schedule: `train --init OUT` starts from these weights
    torch.save({"model": model.state_dict(), "opt": opt.state_dict(),
                "state": {"step": 0, "seen": trained_samples(a.onnx), "recovered_from": a.onnx},
                "config": model.config}, a.out)
    print(f"recovered {a.out} from {a.onnx}: widths {model.config['widths']}, fpn {model.config['fpn']}")


if __name__ == "__main__":
    main()
