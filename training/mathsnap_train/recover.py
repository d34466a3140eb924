"""Rebuild a resumable PyTorch checkpoint from the shipped ONNX recognizer.

Checkpoints live in ignored folders and do not survive a fresh machine; the committed ONNX files do.
Training can continue from them:

    python3 -m training.mathsnap_train.recover models --out runs/rec/last.pt

Both designs: the GRU recognizer (its decoder's weights named after parameters, Linear weights
transposed under generated names) and recognizer v2 (cached_decoder.py's two graphs: see
`load_transformer`).

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
import torch.nn as nn
from onnx import numpy_helper

from .data import Vocab, crohme_train_split, load_image, make_input
from .export import models_int8
from .model import Recognizer
from .preprocess import WIDTH

def folded_pairs(encoder):
    """(convolution, BatchNorm) module names in module order, which is the graph's order: the exporter
    folded each BatchNorm into the convolution just before it."""
    pairs, conv = [], None
    for name, module in encoder.named_modules():
        if isinstance(module, nn.Conv2d):
            conv = name
        elif isinstance(module, nn.BatchNorm2d):
            pairs.append((conv, name))
    return pairs


def initializers(path):
    """(name, float32 tensor) of every initializer of the ONNX file at `path`: graph_initializers."""
    return graph_initializers(onnx.load(path).graph)


def graph_initializers(graph):
    """(name, float32 tensor) of every initializer, in the graph's order; weights stored as float16
    (export --fp16-weights) or int8 with scales (scripts/models_int8.py) come back as the float32
    values the engine computes with, under the name the graph gives them."""
    return [(name, torch.from_numpy(np.array(a, dtype=np.float32) if a.dtype == np.float16 else a.copy()))
            for name, a in models_int8().stored_weights(graph)]


def load_graph(state, path, prefix):
    """Copy the graph's initializers named after parameters; place the Linear weights the exporter
    stored transposed under generated MatMul names by their shape (unique within one graph).
    Returns the initializers left unplaced."""
    inits = initializers(path)
    named = {n for n, _ in inits}
    transposed = {}
    for key, value in state.items():
        if key.startswith(prefix) and key.endswith(".weight") and value.dim() == 2 and key not in named:
            shape = tuple(value.shape[::-1])
            if shape in transposed:
                raise SystemExit(f"{transposed[shape]} and {key} share a shape: cannot place them from {path}")
            transposed[shape] = key
    rest = []
    for name, value in inits:
        if name in state:
            state[name] = value
        elif name.startswith("onnx::MatMul") and tuple(value.shape) in transposed:
            state[transposed[tuple(value.shape)]] = value.t().contiguous()
        else:
            rest.append((name, value))
    return rest


@torch.no_grad()
def conv_output_stats(net, inputs, pairs):
    """Mean and variance per channel of every folded convolution's output (before its BatchNorm)."""
    stats, hooks = {}, []
    modules = dict(net.named_modules())
    for conv, _ in pairs:
        def hook(_m, _i, out, key=conv):
            stats[key] = (out.mean((0, 2, 3)), out.var((0, 2, 3), unbiased=False))
        hooks.append(modules[conv].register_forward_hook(hook))
    net(inputs)
    for h in hooks:
        h.remove()
    return stats


@torch.no_grad()
def rebuild_batchnorms(net, pairs, biases, inputs):
    """Re-create each BatchNorm of `pairs` from the folded bias of its convolution (whose weight is
    already the folded one) and the statistics of that convolution's output on real `inputs`.

    Each BatchNorm first becomes 'add the folded bias' (exact in eval mode), so one pass measures
    every folded convolution's output statistics; then scale = their standard deviation and shift =
    their mean plus the folded bias, which is the same function in eval mode and normalises like the
    original in training mode."""
    modules = dict(net.named_modules())
    for conv, bn_name in pairs:
        bn = modules[bn_name]
        bn.running_mean.zero_()
        bn.running_var.fill_(1.0 - bn.eps)
        bn.weight.fill_(1.0)
        bn.bias.copy_(biases[conv])
    stats = conv_output_stats(net, inputs, pairs)
    for conv, bn_name in pairs:
        mean, var = stats[conv]
        bn = modules[bn_name]
        bn.running_mean.copy_(mean)
        bn.running_var.copy_(var)
        bn.weight.copy_(torch.sqrt(var + bn.eps))
        bn.bias.copy_(mean + biases[conv])


def transformer_slots(layers):
    """Where the attention projections the exporter sliced out of each layer's packed in_proj go, in the
    order the graphs store them under generated names: (state key, third of its rows or None for the whole).
    The encoder's graph (CrossMemory): MatMul weights (transposed) memory_proj then each layer's cross keys
    and values; Add biases each layer's cross keys and values. The step's graph (CachedStep): Gemm weight
    and bias pairs, each layer's self-attention queries, keys, values, then its cross-attention queries."""
    cross = [(f"decoder.layers.{i}.multihead_attn.in_proj", j) for i in range(layers) for j in (1, 2)]
    matmul = [("decoder.memory_proj.weight", None)] + [(f"{k}_weight", j) for k, j in cross]
    add = [(f"{k}_bias", j) for k, j in cross]
    parts = [("self_attn", 0), ("self_attn", 1), ("self_attn", 2), ("multihead_attn", 0)]
    gemm = [(f"decoder.layers.{i}.{attn}.in_proj_{kind}", j) for i in range(layers) for attn, j in parts
            for kind in ("weight", "bias")]
    return {"MatMul": matmul, "Add": add, "Gemm": gemm}


def place(state, key, third, value, source):
    """Copy `value` into state[key], or into the third `third` of its rows; a shape that differs is an error."""
    target = state[key] if third is None else state[key].view(3, -1, *state[key].shape[1:])[third]
    if tuple(target.shape) != tuple(value.shape):
        raise SystemExit(f"{source} is {tuple(value.shape)}, {key} needs {tuple(target.shape)}: not this model's graph")
    target.copy_(value)


def load_transformer(state, encoder_path, decoder_path, layers):
    """Recognizer v2's decoder weights from its two graphs: initializers named after parameters (under the
    graphs' 'cross.' and 'step.' module prefixes) and the sliced attention projections (transformer_slots).
    Returns the encoder graph's folded convolutions (name, tensor), left for the BatchNorm rebuild."""
    slots = {op: list(reversed(keys)) for op, keys in transformer_slots(layers).items()}
    rest = []
    for path, prefix in ((encoder_path, "cross."), (decoder_path, "step.")):
        for name, value in initializers(path):
            op = name.split("::")[1].split("_")[0] if name.startswith("onnx::") else None
            if name.startswith(prefix) and name[len(prefix):] in state:
                place(state, name[len(prefix):], None, value, name)
            elif op == "Conv" and prefix == "cross.":
                rest.append((name, value))
            elif op in slots and slots[op]:
                key, third = slots[op].pop()
                place(state, key, third, value.t() if op == "MatMul" else value, name)
            else:
                raise SystemExit(f"{path}: initializer {name} has no place in a {layers}-layer v2 recognizer")
    left = [k for keys in slots.values() for k, _ in keys]
    if left:
        raise SystemExit(f"the graphs lack {left}: not a {layers}-layer v2 recognizer")
    return rest


@torch.no_grad()
def recover(models_dir, calibration=256):
    vocab = Vocab()
    manifest = json.load(open(os.path.join(models_dir, "manifest.json")))["recognizer"]
    if manifest["vocab"] != vocab.itos:
        raise SystemExit("the shipped model's vocabulary differs from spec/vocab.txt: cannot resume from it")
    size = manifest.get("size", "base")
    model = Recognizer(len(vocab.itos), size, max_width=manifest.get("input_max_width", WIDTH))
    state = model.state_dict()
    pairs = folded_pairs(model.encoder)
    encoder_path, decoder_path = (os.path.join(models_dir, manifest[k]) for k in ("encoder", "decoder"))
    if "transformer" in manifest:
        enc = load_transformer(state, encoder_path, decoder_path, manifest["transformer"]["layers"])
    else:
        enc = load_graph(state, encoder_path, "encoder.")
        dec = load_graph(state, decoder_path, "decoder.")
        if dec:
            raise SystemExit(f"unplaced decoder initializers: {[n for n, _ in dec]}")
    convs = [v for n, v in enc if n.startswith("onnx::Conv")]   # weight, bias, weight, bias, ... in graph order
    if len(convs) != 2 * len(pairs):
        raise SystemExit(f"expected {2 * len(pairs)} folded conv tensors, found {len(convs)}")
    biases = {}
    for (conv, _), weight, bias in zip(pairs, convs[0::2], convs[1::2]):
        state[f"encoder.{conv}.weight"] = weight
        biases[conv] = bias
    model.load_state_dict(state)
    model.eval()

    crohme, _ = crohme_train_split(vocab)
    rng = np.random.default_rng(0)
    pick = rng.choice(len(crohme.items), size=min(calibration, len(crohme.items)), replace=False)
    images = torch.from_numpy(np.stack([make_input(load_image(crohme.items[i][0])) for i in pick])[:, None])
    rebuild_batchnorms(model.encoder, pairs, biases, images)
    return model, manifest.get("trained_samples") or 0, size


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("models", nargs="?", default="models")
    ap.add_argument("--out", default="runs/rec/last.pt")
    a = ap.parse_args()
    model, seen, size = recover(a.models)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=1e-4)
    os.makedirs(os.path.dirname(a.out) or ".", exist_ok=True)
    torch.save({"model": model.state_dict(), "opt": opt.state_dict(),
                "state": {"seen": seen, "best": -1.0, "step": 0, "recovered_from": a.models},
                "vocab": Vocab().itos, "size": size, "max_width": model.max_width}, a.out)
    print(f"recovered {a.out} from {a.models} ({seen} samples seen)")


if __name__ == "__main__":
    main()
