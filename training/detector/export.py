"""Export a detector checkpoint to models/detector.onnx (opset 17, dynamic H/W), check it against
PyTorch with onnxruntime, and record it in models/manifest.json (other keys kept; written to
models/detector.json instead when there is no manifest yet).

    python3 -m training.detector.export runs/det/last.pt --out models --fp16-weights

--fp16-weights stores the weights as float16 behind a Cast to float32, the conversion the web build
applies (scripts/models_fp16.py): half the file, and the native CLI runs the file the browser runs."""
import argparse
import hashlib
import json
import os

import numpy as np
import torch

from ..mathsnap_train.export import store_weights_fp16
from .data import ENGINE_LONG_SIDE
from .model import load_checkpoint, n_params

ENTRY = {"file": "detector.onnx", "long_side": ENGINE_LONG_SIDE, "stride": 4, "threshold": 0.5, "inset": 0.1}


def sha256(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def check_against_torch(model, path, tolerance):
    """onnxruntime on the exported file against PyTorch, at three page shapes."""
    import onnxruntime as ort
    sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    for shape in ((1, 3, 640, 480), (1, 3, 320, 224), (1, 3, 448, 640)):
        xi = torch.rand(*shape)
        with torch.no_grad():
            want = model(xi).numpy()
        got = sess.run(None, {"image": xi.numpy()})[0]
        assert got.shape == (1, 1, shape[2] // 4, shape[3] // 4), got.shape
        err = float(np.abs(got - want).max())
        assert err < tolerance, f"onnx mismatch {err} at {shape}"
        print(f"onnxruntime vs torch at {shape}: max abs diff {err:.2e}")


def export(checkpoint, out="models", check=True, fp16_weights=False):
    torch.set_num_threads(1)
    model, ck = load_checkpoint(checkpoint)
    os.makedirs(out, exist_ok=True)
    path = os.path.join(out, ENTRY["file"])
    x = torch.rand(1, 3, 640, 480)
    torch.onnx.export(model, (x,), path, input_names=["image"], output_names=["prob"], opset_version=17,
                      dynamo=False, do_constant_folding=True,
                      dynamic_axes={"image": {2: "height", 3: "width"}, "prob": {2: "map_height", 3: "map_width"}})
    import onnx
    onnx.checker.check_model(onnx.load(path))
    if check:
        check_against_torch(model, path, 1e-4)
    if fp16_weights:
        store_weights_fp16(path)
        if check:  # weights rounded to half precision: probabilities move by a few thousandths
            check_against_torch(model, path, 5e-3)
    digest = sha256(path)
    entry = dict(ENTRY, trained_samples=ck.get("state", {}).get("seen"))
    man_path = os.path.join(out, "manifest.json")
    if os.path.exists(man_path):
        man = json.load(open(man_path))
        man["detector"] = entry
        man["sha256"] = {**man.get("sha256", {}), ENTRY["file"]: digest}
        target = man_path
    else:
        man = {"detector": entry, "sha256": {ENTRY["file"]: digest}}
        target = os.path.join(out, "detector.json")
    with open(target + ".tmp", "w") as f:
        json.dump(man, f, indent=1)
    os.replace(target + ".tmp", target)
    print(f"exported {path}: {os.path.getsize(path)} B, {n_params(model)} params, sha256 {digest}; "
          f"entry written to {target}")
    return path


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("checkpoint")
    ap.add_argument("--out", default="models")
    ap.add_argument("--no-check", action="store_true")
    ap.add_argument("--fp16-weights", action="store_true", help="float16 weight storage (as the web build ships)")
    a = ap.parse_args()
    export(a.checkpoint, a.out, not a.no_check, a.fp16_weights)
