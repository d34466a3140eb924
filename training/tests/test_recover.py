"""The checkpoint rebuilt from the shipped ONNX files computes what those files compute (eval mode),
so training resumes from the model users have, not from a lookalike."""
import os

import numpy as np
import onnxruntime as ort
import pytest
import torch

from training.mathsnap_train.export import DECODER_INPUTS, decoder_feeds
from training.mathsnap_train.latex import ROOT
from training.mathsnap_train.recover import recover

MODELS = os.path.join(ROOT, "models")
CROHME = os.path.join(ROOT, "..", "shared", "data", "crohme", "train", "labels.tsv")


@pytest.mark.skipif(not os.path.exists(CROHME), reason="needs ../shared/data/crohme/train for calibration")
def test_recovered_model_matches_shipped_onnx():
    model, seen, _ = recover(MODELS, calibration=8)
    assert seen > 0
    model.eval()
    image = torch.rand(1, 1, 64, 256)
    memory, keys = ort.InferenceSession(os.path.join(MODELS, "recognizer_encoder.onnx")).run(None, {"image": image.numpy()})
    with torch.no_grad():
        m2, k2 = model.encoder(image)
    assert np.abs(memory - m2.numpy()).max() < 1e-4 and np.abs(keys - k2.numpy()).max() < 1e-4
    args = (torch.tensor([1, 7]), torch.randn(2, model.decoder.hidden) * 0.1, torch.rand(2, 256) * 0.1)
    feeds = {**{n: a.numpy() for n, a in zip(DECODER_INPUTS, args)}, **decoder_feeds(m2.numpy(), k2.numpy())}
    got = ort.InferenceSession(os.path.join(MODELS, "recognizer_decoder.onnx")).run(None, feeds)
    with torch.no_grad():
        want = model.decoder(*args, m2.expand(2, -1, -1), k2.expand(2, -1, -1))[:3]
    for g, w in zip(got, want):
        assert np.abs(g - w.numpy()).max() < 1e-4
