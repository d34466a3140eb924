"""Export a recognizer checkpoint to the two ONNX files the engine runs, check them against
PyTorch with onnxruntime, and write models/manifest.json (vocabulary, hashes, input size).

    python3 -m training.mathsnap_train.export runs/rec/best.pt --out models
"""
import argparse
import hashlib
import json
import os

import numpy as np
import torch

from .data import Vocab
from .model import FEAT_H, FEAT_W, Recognizer
from .preprocess import HEIGHT, WIDTH


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


def export(ckpt, out, check=True):
    vocab = Vocab()
    model = Recognizer(len(vocab.itos))
    state = torch.load(ckpt, map_location="cpu")
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
    manifest = {
        "version": 1,
        "recognizer": {
            "encoder": "recognizer_encoder.onnx", "decoder": "recognizer_decoder.onnx",
            "input_height": HEIGHT, "input_width": WIDTH, "hidden": model.decoder.hidden, "slots": s,
            "vocab": vocab.itos, "bos": vocab.bos, "eos": vocab.eos,
            "trained_samples": state.get("state", {}).get("seen"),
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
    a = ap.parse_args()
    export(a.checkpoint, a.out)
