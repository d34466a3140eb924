"""The web app's models with float16 *storage* and float32 compute (scripts/build_web.sh).

    python3 scripts/models_fp16.py --src models --out www/models

Every float32 initializer with at least MIN_ELEMENTS values is stored as float16 and followed
by a Cast back to float32, so the graph computes exactly as before on weights rounded to half
precision; tract and onnxruntime both fold the Cast at load, leaving float32 weights in memory.
The download halves (6.2 -> 3.0 MB brotli); on 300 CROHME train crops and the benchmark pages
the engine's output is identical to the float32 models' (bench/levers.md). Writes the models
and a manifest with their sha256 into --out; other files are copied as they are."""
import argparse
import hashlib
import json
import os
import shutil
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

MIN_ELEMENTS = 256  # small tensors (biases, scales) are not worth a Cast node
FP16_SUFFIX = "__fp16"  # a stored weight's name: its float32 name + this (recover.py undoes it)


def to_fp16_storage(model):
    """Float32 initializers of at least MIN_ELEMENTS values -> float16 + Cast, in place and in the
    same order (training/mathsnap_train/recover.py reads the convolutions by it). Idempotent: a
    model stored this way already has no large float32 initializers left."""
    graph = model.graph
    casts, kept = [], []
    for init in graph.initializer:
        w = numpy_helper.to_array(init)
        if init.data_type != TensorProto.FLOAT or w.size < MIN_ELEMENTS:
            kept.append(init)
            continue
        name = init.name
        kept.append(numpy_helper.from_array(w.astype(np.float16), name + FP16_SUFFIX))
        casts.append(helper.make_node("Cast", [name + FP16_SUFFIX], [name], to=TensorProto.FLOAT, name=name + "__to_fp32"))
    del graph.initializer[:]
    graph.initializer.extend(kept)
    # the casts run first so every consumer of the original name still finds a float32 tensor
    nodes = casts + list(graph.node)
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
        onnx.save(to_fp16_storage(onnx.load(src)), dst)
        manifest["sha256"][f] = hashlib.sha256(open(dst, "rb").read()).hexdigest()
        print(f"[models_fp16] {f}: {os.path.getsize(src) / 1e6:.2f} MB -> {os.path.getsize(dst) / 1e6:.2f} MB", file=sys.stderr)
    with open(os.path.join(a.out, "manifest.json"), "w") as fh:
        json.dump(manifest, fh, indent=1)
    for extra in os.listdir(a.src):
        if not extra.endswith(".onnx") and extra != "manifest.json":
            shutil.copy(os.path.join(a.src, extra), a.out)


if __name__ == "__main__":
    main()
