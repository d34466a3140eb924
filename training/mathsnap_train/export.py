"""Export a recognizer checkpoint to the two ONNX files the engine runs, check them against
PyTorch with onnxruntime, and write models/manifest.json (vocabulary, hashes, input size).

    python3 -m training.mathsnap_train.export runs/rec/best.pt --out models [--fp16-weights]

--fp16-weights stores every large weight as float16 behind a Cast to float32 (scripts/models_fp16.py,
which the web build applies anyway): half the size, and tract folds the casts into float32 constants
when it optimises the plan, so inference runs in float32 on weights rounded to half precision. The
native CLI, and so every evaluation, then runs exactly the files the browser runs.
"""
import argparse
import hashlib
import json
import os
import sys

import numpy as np
import torch

from .data import Vocab
from .latex import ROOT
from .model import FEAT_H, FEAT_W, Recognizer
from .preprocess import FRAME_MARGIN, HEIGHT, WIDTH

# The engine reads each crop at these sizes (1.0 = fitted to the input; 0.85 = 15% smaller, a size
# training's scale augmentation covers) and decodes with the mean of their token log-probabilities.
# Chosen on the CROHME-train hold-out and synth-val (greedy, shipped weights: 66.0% / 76.7% with one
# view, 68.7% / 77.7% with these two); it doubles the recognizer's time per crop.
VIEW_SCALES = (1.0, 0.85)


class EncoderGraph(torch.nn.Module):
    def __init__(self, model):
        super().__init__()
        self.encoder = model.encoder

    def forward(self, image):
        return self.encoder(image)


class DecoderGraph(torch.nn.Module):
    def __init__(self, model):
        super().__init__()
        self.decoder = model.decoder

    def forward(self, token, hidden, coverage, memory, keys):
        lp, h, cov, _ = self.decoder(token, hidden, coverage, memory, keys)
        return lp, h, cov


def sha256(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def models_fp16():
    """scripts/models_fp16.py, the one float16 weight-storage conversion (web build, export, recover)."""
    scripts = os.path.join(ROOT, "scripts")
    if scripts not in sys.path:
        sys.path.insert(0, scripts)
    import models_fp16
    return models_fp16


def store_weights_fp16(path):
    """Rewrite an ONNX file with float16 weight storage: the web build's own conversion
    (scripts/models_fp16.py), so the models in models/ are the ones the browser runs."""
    import onnx
    onnx.save(models_fp16().to_fp16_storage(onnx.load(path)), path)


def export(ckpt, out, check=True, fp16_weights=False):
    vocab = Vocab()
    state = torch.load(ckpt, map_location="cpu")
    model = Recognizer(len(vocab.itos), state.get("size", "base"))
    model.load_state_dict(state["model"])
    model.eval()
    os.makedirs(out, exist_ok=True)
    enc_path, dec_path = os.path.join(out, "recognizer_encoder.onnx"), os.path.join(out, "recognizer_decoder.onnx")
    image = torch.rand(1, 1, HEIGHT, WIDTH)
    torch.onnx.export(EncoderGraph(model).eval(), (image,), enc_path, input_names=["image"],
                      output_names=["memory", "keys"], opset_version=17, dynamo=False)
    s = FEAT_H * FEAT_W
    b = 3
    with torch.no_grad():
        memory, keys = model.encoder(image)
    args = (torch.tensor([1, 5, 9]), torch.randn(b, model.decoder.hidden) * 0.1, torch.rand(b, s) * 0.1,
            memory.expand(b, -1, -1).contiguous(), keys.expand(b, -1, -1).contiguous())
    names = ["token", "hidden", "coverage", "memory", "keys"]
    torch.onnx.export(DecoderGraph(model).eval(), args, dec_path, input_names=names,
                      output_names=["logprobs", "hidden_out", "coverage_out"], opset_version=17, dynamo=False,
                      dynamic_axes={n: {0: "beam"} for n in names + ["logprobs", "hidden_out", "coverage_out"]})
    if check:
        import onnxruntime as ort
        enc = ort.InferenceSession(enc_path)
        m2, k2 = enc.run(None, {"image": image.numpy()})
        assert np.allclose(m2, memory.numpy(), rtol=1e-3, atol=1e-3), f"encoder mismatch {np.abs(m2 - memory.numpy()).max()}"
        dec = ort.InferenceSession(dec_path)
        got = dec.run(None, {n: a.numpy() for n, a in zip(names, args)})
        with torch.no_grad():
            want = DecoderGraph(model)(*args)
        for g, w in zip(got, want):
            assert np.allclose(g, w.numpy(), rtol=1e-3, atol=1e-3), f"decoder mismatch {np.abs(g - w.numpy()).max()}"
    if fp16_weights:
        for p in (enc_path, dec_path):
            store_weights_fp16(p)
        if check:  # rounded weights: the outputs move a little, the ranking of tokens should not
            m3, _ = ort.InferenceSession(enc_path).run(None, {"image": image.numpy()})
            got = ort.InferenceSession(dec_path).run(None, {n: a.numpy() for n, a in zip(names, args)})
            print(f"fp16 weights: encoder max |diff| {np.abs(m3 - memory.numpy()).max():.4f}, "
                  f"decoder logprobs max |diff| {np.abs(got[0] - want[0].numpy()).max():.4f}")
            assert (got[0].argmax(1) == want[0].numpy().argmax(1)).all(), "fp16 weights change the top token"
    manifest = {
        "version": 1,
        "recognizer": {
            "encoder": "recognizer_encoder.onnx", "decoder": "recognizer_decoder.onnx",
            "input_height": HEIGHT, "input_width": WIDTH,
            "frame_margin": FRAME_MARGIN, "view_scales": list(VIEW_SCALES),
            "hidden": model.decoder.hidden, "slots": s,
            "vocab": vocab.itos, "bos": vocab.bos, "eos": vocab.eos,
            "trained_samples": state.get("state", {}).get("seen"),
            "size": state.get("size", "base"), "weights": "float16" if fp16_weights else "float32",
        },
        "sha256": {"recognizer_encoder.onnx": sha256(enc_path), "recognizer_decoder.onnx": sha256(dec_path)},
    }
    man_path = os.path.join(out, "manifest.json")
    if os.path.exists(man_path):  # keep the detector's entries
        old = json.load(open(man_path))
        for k, v in old.items():
            if k not in ("recognizer", "sha256", "version"):
                manifest[k] = v
        manifest["sha256"] = {**old.get("sha256", {}), **manifest["sha256"]}
    det_path = os.path.join(out, "detector.json")
    if os.path.exists(det_path):  # a detector exported before the manifest existed
        det = json.load(open(det_path))
        manifest["detector"] = det["detector"]
        manifest["sha256"].update(det["sha256"])
        os.remove(det_path)
    json.dump(manifest, open(man_path, "w"), indent=1)
    print(f"exported {enc_path} ({os.path.getsize(enc_path)} B), {dec_path} ({os.path.getsize(dec_path)} B)")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("checkpoint")
    ap.add_argument("--out", default="models")
    ap.add_argument("--fp16-weights", action="store_true")
    a = ap.parse_args()
    export(a.checkpoint, a.out, fp16_weights=a.fp16_weights)
