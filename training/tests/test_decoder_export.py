"""The GRU step as exported (DecoderStep.step_shared: the crop's memory and transposed keys once for the
batch, the coverage projection folded into its convolution) computes the step training runs, and a
decoder exported again from its file (export.py --reexport-decoder) keeps its weights exactly."""
import json
import os

import numpy as np
import onnx
import onnxruntime as ort
import torch

from training.mathsnap_train.data import Vocab
from training.mathsnap_train.export import DECODER_INPUTS, decoder_feeds, export, models_int8, reexport_decoder
from training.mathsnap_train.model import Recognizer


def model(seed):
    torch.manual_seed(seed)
    return Recognizer(len(Vocab().itos), "base").eval()


def test_the_shared_step_computes_the_training_step():
    m = model(3)
    with torch.no_grad():
        memory, keys = m.encoder(torch.rand(1, 1, 64, 256))
        args = (torch.tensor([1, 5, 9]), torch.randn(3, 256) * 0.3, torch.rand(3, 256))
        want = m.decoder(*args, memory.expand(3, -1, -1), keys.expand(3, -1, -1))
        got = m.decoder.step_shared(*args, memory[0], keys[0].t())
    for g, w in zip(got, want):
        assert torch.allclose(g, w, atol=1e-5), float((g - w).abs().max())


def test_a_decoder_exported_again_keeps_its_weights_and_outputs(tmp_path):
    m = model(4)
    torch.save({"model": m.state_dict(), "state": {"seen": 0}, "size": "base"}, tmp_path / "ckpt.pt")
    first, again = tmp_path / "first", tmp_path / "again"
    export(str(tmp_path / "ckpt.pt"), str(first), check=False)
    reexport_decoder(str(first), str(again))
    name = "recognizer_decoder.onnx"
    weights = lambda d: dict(models_int8().stored_weights(onnx.load(str(d / name)).graph))  # noqa: E731
    a, b = weights(first), weights(again)
    assert a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)
    manifest = json.load(open(again / "manifest.json"))
    assert manifest["sha256"][name] != "" and os.path.exists(again / "recognizer_encoder.onnx")
    memory, keys = ort.InferenceSession(str(again / "recognizer_encoder.onnx")).run(
        None, {"image": np.random.default_rng(0).random((1, 1, 64, 256), np.float32)})
    feeds = {"token": np.array([1, 7], np.int64), "hidden": np.zeros((2, 256), np.float32),
             "coverage": np.zeros((2, 256), np.float32), **decoder_feeds(memory, keys)}
    assert sorted(feeds) == sorted(DECODER_INPUTS)
    out_a = ort.InferenceSession(str(first / name)).run(None, feeds)
    out_b = ort.InferenceSession(str(again / name)).run(None, feeds)
    for x, y in zip(out_a, out_b):
        assert np.array_equal(x, y)
