"""The checkpoint rebuilt from the shipped ONNX files computes what those files compute (eval mode),
so training resumes from the model users have, not from a lookalike: for the design models/ ships, and
for both designs (the GRU recognizer and recognizer v2) on exports of random weights, whichever ships."""
import json
import os
import subprocess
import sys

import numpy as np
import onnxruntime as ort
import pytest
import torch

from training.mathsnap_train.cached_decoder import step_mask
from training.mathsnap_train.export import DECODER_INPUTS, CachedEncoderGraph, CachedStepGraph, decoder_feeds
from training.mathsnap_train.latex import ROOT
from training.mathsnap_train.recover import recover

MODELS = os.path.join(ROOT, "models")
CROHME = os.path.join(ROOT, "..", "shared", "data", "crohme", "train", "labels.tsv")
needs_crohme = pytest.mark.skipif(not os.path.exists(CROHME), reason="needs ../shared/data/crohme/train for calibration")


def close(got, want, what):
    worst = float(np.abs(np.asarray(got) - np.asarray(want)).max())
    assert worst < 1e-4, f"{what}: recovered model differs from the ONNX file by {worst}"


def check_gru(model, models):
    image = torch.rand(1, 1, 64, 256)
    memory, keys = ort.InferenceSession(os.path.join(models, "recognizer_encoder.onnx")).run(None, {"image": image.numpy()})
    with torch.no_grad():
        m2, k2 = model.encoder(image)
    close(memory, m2.numpy(), "encoder memory")
    close(keys, k2.numpy(), "encoder keys")
    args = (torch.tensor([1, 7]), torch.randn(2, model.decoder.hidden) * 0.1, torch.rand(2, 256) * 0.1)
    feeds = {**{n: a.numpy() for n, a in zip(DECODER_INPUTS, args)}, **decoder_feeds(m2.numpy(), k2.numpy())}
    got = ort.InferenceSession(os.path.join(models, "recognizer_decoder.onnx")).run(None, feeds)
    with torch.no_grad():
        want = model.decoder(*args, m2.expand(2, -1, -1), k2.expand(2, -1, -1))[:3]
    for name, g, w in zip(("logprobs", "hidden", "coverage"), got, want):
        close(g, w.numpy(), f"decoder {name}")


def check_v2(model, models):
    encoder = ort.InferenceSession(os.path.join(models, "recognizer_encoder.onnx"))
    step = ort.InferenceSession(os.path.join(models, "recognizer_decoder.onnx"))
    for width in sorted({256, model.max_width}):
        image = torch.rand(1, 1, 64, width)
        memory, keys = encoder.run(None, {"image": image.numpy()})
        with torch.no_grad():
            want_memory, want_keys = CachedEncoderGraph(model)(image)
        close(memory, want_memory.numpy(), f"cross-attention values at width {width}")
        close(keys, want_keys.numpy(), f"cross-attention keys at width {width}")
        capacity, t = 6, 4
        row = keys.shape[-1]
        args = (torch.tensor([1, 9, 40]), torch.tensor([t]), step_mask(t, capacity), torch.randn(3, capacity, row),
                torch.randn(3, capacity, row), torch.from_numpy(memory), torch.from_numpy(keys))
        names = ["token", "position", "mask", "past_keys", "past_values", "memory", "keys"]
        got = step.run(None, {n: a.numpy() for n, a in zip(names, args)})
        with torch.no_grad():
            want = CachedStepGraph(model)(*args)
        for name, g, w in zip(("logprobs", "keys_out", "values_out"), got, want):
            close(g, w.numpy(), f"step {name} at width {width}")


def check_recovered(models):
    model, seen, size = recover(models, calibration=8)
    model.eval()
    manifest = json.load(open(os.path.join(models, "manifest.json")))["recognizer"]
    assert size == manifest.get("size", "base")
    (check_v2 if "transformer" in manifest else check_gru)(model, models)
    return seen


@needs_crohme
def test_recovered_model_matches_shipped_onnx():
    assert check_recovered(MODELS) > 0


@needs_crohme
@pytest.mark.parametrize("script,args", [("random_r2l_models.py", []), ("random_v2_models.py", ["512"])])
def test_each_design_is_recovered_from_its_export(tmp_path, script, args):
    made = subprocess.run([sys.executable, os.path.join(ROOT, "tests", "support", script), str(tmp_path), *args],
                          capture_output=True, text=True)
    assert made.returncode == 0, made.stderr[-2000:]
    check_recovered(str(tmp_path))
