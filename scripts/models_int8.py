"""The web app's models with int8 *storage* and float32 compute (scripts/build_web.sh).

    python3 scripts/models_int8.py --src models --out www/models
    python3 scripts/models_int8.py --src CANDIDATE --out models   (shipping an export made with --fp16-weights)

Why: the models are more than half of a first visit's download (3.7 of 8.6 MB gzip with float16
storage), and the issue's bar is 7 MB gzip. Every large weight is stored as int8 with one float32
scale per channel and rebuilt by `Cast(int8 -> float32) * scale` in the graph. tract and
onnxruntime fold that constant expression at load, so the engine computes in float32 exactly as
before, on weights rounded to 255 levels per channel: the download shrinks, not the memory or the
speed. Whether the rounding costs accuracy is measured on the dev sets (bench/levers.md), not
assumed.

The channel axis is the one whose per-channel scales rebuild the tensor best (least squared
error): the output channel of a convolution, the gate rows of a GRU, the columns of a MatMul
weight. Input may be float32 or float16-stored (scripts/models_fp16.py); a model stored this way
already is left as it is. Writes the models and a manifest with their sha256 into --out; other
files are copied as they are."""
import argparse
import hashlib
import json
import os
import shutil
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from models_fp16 import FP16_SUFFIX, MIN_ELEMENTS

INT8_SUFFIX = "__int8"    # the stored weight: its float32 name + this
SCALE_SUFFIX = "__scale"  # its per-channel scales, broadcastable to the weight's shape


def stored_weights(graph):
    """[(float32 value name, array)] of every initializer in the graph's order, whatever its storage
    (float32, float16 + Cast, int8 + scale + Cast + Mul): the weights the engine computes with.
    training/*/recover.py reads a shipped model back into PyTorch through this."""
    inits = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
    out = []
    for name, w in inits.items():
        if name.endswith(SCALE_SUFFIX) and name[:-len(SCALE_SUFFIX)] + INT8_SUFFIX in inits:
            continue
        if name.endswith(INT8_SUFFIX):
            base = name[:-len(INT8_SUFFIX)]
            out.append((base, w.astype(np.float32) * inits[base + SCALE_SUFFIX]))
        elif name.endswith(FP16_SUFFIX):
            out.append((name[:-len(FP16_SUFFIX)], w.astype(np.float32)))
        else:
            out.append((name, w))
    return out


CLIP_RATIOS = np.linspace(0.5, 1.0, 11)  # a channel's scale may clip its few largest values


def quantize(w):
    """(int8 array, float32 scales): per channel of the axis that rebuilds `w` best, each channel's
    scale the one of CLIP_RATIOS x its largest magnitude with the least squared error (clipping a
    rare outlier buys finer steps for all the other values)."""
    best = None
    for axis in range(w.ndim):
        if w.shape[axis] == 1:
            continue
        others = tuple(a for a in range(w.ndim) if a != axis)
        peak = np.abs(w).max(axis=others, keepdims=True)
        peak[peak == 0] = 1.0
        errs, scales = [], []
        for ratio in CLIP_RATIOS:
            scale = ratio * peak / 127.0
            q = np.clip(np.rint(w / scale), -127, 127)
            errs.append(np.square(q * scale - w).sum(axis=others, keepdims=True))
            scales.append(scale)
        pick = np.argmin(np.stack(errs), axis=0)
        scale = np.take_along_axis(np.stack(scales), pick[None], axis=0)[0].astype(np.float32)
        q = np.clip(np.rint(w / scale), -127, 127).astype(np.int8)
        err = float(np.square(q.astype(np.float32) * scale - w).sum())
        if best is None or err < best[0]:
            best = (err, q, scale)
    return best[1], best[2]


def to_int8_storage(model):
    """Float weights of at least MIN_ELEMENTS values -> int8 + scales + Cast + Mul, in place, keeping
    the initializers' order (recover.py reads convolutions by it). The rebuilding nodes run first, so
    every consumer still finds its float32 tensor by name. Idempotent: int8-stored weights and their
    scales are kept as they are."""
    graph = model.graph
    stored_as = {n.output[0]: n for n in graph.node if n.op_type == "Cast" and n.input[0].endswith(FP16_SUFFIX)}
    inits, rebuild = [], []
    for init in graph.initializer:
        w = numpy_helper.to_array(init)
        name = init.name[:-len(FP16_SUFFIX)] if init.name.endswith(FP16_SUFFIX) else init.name
        if w.dtype not in (np.float32, np.float16) or init.name.endswith(SCALE_SUFFIX) or w.size < MIN_ELEMENTS:
            inits.append(init)
            continue
        if name in stored_as:  # float16 storage: its Cast goes, the int8 rebuild produces the same name
            graph.node.remove(stored_as[name])
        q, scale = quantize(w.astype(np.float32))
        inits += [numpy_helper.from_array(q, name + INT8_SUFFIX), numpy_helper.from_array(scale, name + SCALE_SUFFIX)]
        rebuild += [
            helper.make_node("Cast", [name + INT8_SUFFIX], [name + "__f32"], to=TensorProto.FLOAT, name=name + "__to_fp32"),
            helper.make_node("Mul", [name + "__f32", name + SCALE_SUFFIX], [name], name=name + "__rescale"),
        ]
    del graph.initializer[:]
    graph.initializer.extend(inits)
    nodes = rebuild + list(graph.node)
    del graph.node[:]
    graph.node.extend(nodes)
    onnx.checker.check_model(model)
    return model


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--src", default="models")
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    manifest = json.load(open(os.path.join(a.src, "manifest.json")))
    for f in list(manifest["sha256"]):
        src, dst = os.path.join(a.src, f), os.path.join(a.out, f)
        before = os.path.getsize(src)
        onnx.save(to_int8_storage(onnx.load(src)), dst)
        manifest["sha256"][f] = hashlib.sha256(open(dst, "rb").read()).hexdigest()
        print(f"[models_int8] {f}: {before / 1e6:.2f} MB -> {os.path.getsize(dst) / 1e6:.2f} MB", file=sys.stderr)
    for entry in manifest.values():  # "weights" says the storage; the engine computes in float32
        if isinstance(entry, dict) and "weights" in entry:
            entry["weights"] = "int8"
    with open(os.path.join(a.out, "manifest.json"), "w") as fh:
        json.dump(manifest, fh, indent=1)
    for extra in os.listdir(a.src):
        if not extra.endswith(".onnx") and extra != "manifest.json" and not os.path.samefile(a.src, a.out):
            shutil.copy(os.path.join(a.src, extra), a.out)


if __name__ == "__main__":
    main()
