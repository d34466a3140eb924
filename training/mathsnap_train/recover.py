"""Rebuild a resumable PyTorch checkpoint from the shipped ONNX recognizer.

Checkpoints live in ignored folders and do not survive a fresh machine; the committed ONNX files do.
Training can continue from them:

    python3 -m training.mathsnap_train.recover models --out runs/rec/last.pt

Why it is not a plain copy: the exporter folds each BatchNorm into the convolution before it (eval
mode) and stores Linear weights transposed under generated names. The folded convolution is kept
as is, and each BatchNorm is re-created so that it reproduces the folded output exactly in eval mode
*and* normalises like the original in training mode: its running statistics are measured on real
training crops (batch statistics then match them), its scale is their standard deviation and its
shift their mean plus the folded bias. The optimizer state cannot be recovered; it starts fresh.
"""
import argparse
import json
import os

import numpy as np
import onnx
import torch
from onnx import numpy_helper

from .data import Vocab, crohme_train_split, load_image, make_input
from .model import Recognizer

# Encoder convolutions in graph order, each with the BatchNorm it was folded with.
ENCODER_CONVS = [("net.0", "net.1"), ("net.3.0", "net.3.1"), ("net.5.0", "net.5.1"), ("net.6.0", "net.6.1"),
                 ("net.8.0", "net.8.1"), ("net.9.a.0", "net.9.a.1"), ("net.9.b.0", "net.9.b.1")]
# Linear layers without a bias, exported as MatMul by a transposed weight; their shapes are unique.
ENCODER_MATMULS = {(160, 128): "encoder.key.weight"}
DECODER_MATMULS = {(32, 128): "decoder.cov_proj.weight", (128, 1): "decoder.energy.weight",
                   (160, 128): "decoder.out_c.weight", (128, 128): "decoder.out_e.weight"}


def initializers(path):
    graph = onnx.load(path).graph
    return [(i.name, torch.from_numpy(numpy_helper.to_array(i).copy())) for i in graph.initializer]


def load_named(state, inits, matmuls):
    """Copy initializers named after parameters; place transposed MatMul weights by shape."""
    rest = []
    for name, value in inits:
        if name in state:
            state[name] = value
        elif name.startswith("onnx::MatMul") and tuple(value.shape) in matmuls:
            state[matmuls[tuple(value.shape)]] = value.t().contiguous()
        else:
            rest.append((name, value))
    return rest


@torch.no_grad()
def conv_output_stats(model, images):
    """Mean and variance per channel of every folded convolution's output (before its BatchNorm)."""
    stats, hooks = {}, []
    modules = dict(model.encoder.named_modules())
    for conv, _ in ENCODER_CONVS:
        def hook(_m, _i, out, key=conv):
            stats[key] = (out.mean((0, 2, 3)), out.var((0, 2, 3), unbiased=False))
        hooks.append(modules[conv].register_forward_hook(hook))
    model.encoder(images)
    for h in hooks:
        h.remove()
    return stats


@torch.no_grad()
def recover(models_dir, calibration=256):
    vocab = Vocab()
    manifest = json.load(open(os.path.join(models_dir, "manifest.json")))["recognizer"]
    if manifest["vocab"] != vocab.itos:
        raise SystemExit("the shipped model's vocabulary differs from spec/vocab.txt: cannot resume from it")
    model = Recognizer(len(vocab.itos))
    state = model.state_dict()
    enc = load_named(state, initializers(os.path.join(models_dir, manifest["encoder"])), ENCODER_MATMULS)
    dec = load_named(state, initializers(os.path.join(models_dir, manifest["decoder"])), DECODER_MATMULS)
    if dec:
        raise SystemExit(f"unplaced decoder initializers: {[n for n, _ in dec]}")
    convs = [v for n, v in enc if n.startswith("onnx::Conv")]   # weight, bias, weight, bias, ... in graph order
    if len(convs) != 2 * len(ENCODER_CONVS):
        raise SystemExit(f"expected {2 * len(ENCODER_CONVS)} folded conv tensors, found {len(convs)}")
    biases = {}
    for (conv, _), weight, bias in zip(ENCODER_CONVS, convs[0::2], convs[1::2]):
        state[f"encoder.{conv}.weight"] = weight
        biases[conv] = bias
    model.load_state_dict(state)
    model.eval()

    # Each BatchNorm first becomes 'add the folded bias' (exact in eval mode), so one pass over real
    # training crops measures every folded convolution's output statistics.
    crohme, _ = crohme_train_split(vocab)
    rng = np.random.default_rng(0)
    pick = rng.choice(len(crohme.items), size=min(calibration, len(crohme.items)), replace=False)
    images = torch.from_numpy(np.stack([make_input(load_image(crohme.items[i][0])) for i in pick])[:, None])
    modules = dict(model.encoder.named_modules())
    for conv, bn_name in ENCODER_CONVS:
        bn = modules[bn_name]
        bn.running_mean.zero_(), bn.running_var.fill_(1.0 - bn.eps), bn.weight.fill_(1.0)
        bn.bias.copy_(biases[conv])
    stats = conv_output_stats(model, images)
    for conv, bn_name in ENCODER_CONVS:
        mean, var = stats[conv]
        bn = modules[bn_name]
        std = torch.sqrt(var + bn.eps)
        bn.running_mean.copy_(mean), bn.running_var.copy_(var), bn.weight.copy_(std), bn.bias.copy_(mean + biases[conv])
    return model, manifest.get("trained_samples") or 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("models", nargs="?", default="models")
    ap.add_argument("--out", default="runs/rec/last.pt")
    a = ap.parse_args()
    model, seen = recover(a.models)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=1e-4)
    os.makedirs(os.path.dirname(a.out) or ".", exist_ok=True)
    torch.save({"model": model.state_dict(), "opt": opt.state_dict(),
                "state": {"seen": seen, "best": -1.0, "step": 0, "recovered_from": a.models},
                "vocab": Vocab().itos}, a.out)
    print(f"recovered {a.out} from {a.models} ({seen} samples seen)")


if __name__ == "__main__":
    main()
