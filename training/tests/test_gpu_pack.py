"""The GPU path, run small on the CPU: a pack holds what the device cannot make, the trainer draws
noisy crops from it, trains, and the export stores float16 weights that the engine's checks accept."""
import json
import os
import random
import sys

import cv2
import numpy as np
import pytest
import torch

from training.gpu import make_pack
from training.mathsnap_train import data, export
from training.mathsnap_train.latex import ROOT

CROHME = os.path.join(ROOT, "..", "shared", "data", "crohme", "train", "labels.tsv")
needs_shared = pytest.mark.skipif(not os.path.exists(CROHME), reason="needs ../shared/data/crohme/train")


def small_pack(path, crohme_rows=6):
    """A pack with a few CROHME images and a few rendered spec formulas; returns the CROHME rows."""
    make_pack.pack_crohme(str(path), limit=crohme_rows)
    make_pack.pack_synth(str(path), "synth", "train", 8, 41, 1)
    make_pack.pack_synth(str(path), "synth-val", "val", 4, 42, 1)
    return data.read_labels(str(path / "crohme" / "labels.tsv"))


@needs_shared
def test_one_bit_crohme_images_read_back_as_the_originals(tmp_path):
    rows = small_pack(tmp_path, crohme_rows=3)
    for file, _, _ in rows:
        name = data.image_file(file)
        original = data.load_image(os.path.join(os.path.dirname(CROHME), name))
        packed = data.load_image(str(tmp_path / "crohme" / "images" / name))
        assert np.array_equal(original, packed)


@needs_shared
def test_coverage_sets_draw_noisy_crops_and_validate_deterministically(tmp_path):
    small_pack(tmp_path)
    vocab = data.Vocab()
    train = data.coverage_set(vocab, str(tmp_path / "synth"))
    assert len(train) == 8 and train.kind == "coverage"
    cov = cv2.imread(train.items[0][0], cv2.IMREAD_GRAYSCALE)
    assert len(np.unique(cov)) <= make_pack.GREY_LEVELS
    crop = data.sample_image(train, 0, random.Random(1))
    assert crop.ndim == 3 and crop.shape[0] > cov.shape[0] * 0.5  # a photo crop, with paper round the ink
    again = data.sample_image(train, 0, random.Random(1))
    assert np.array_equal(crop, again)  # validation draws the same noise for the same item
    crohme, _ = data.crohme_train_split(vocab, holdout=2, directory=str(tmp_path / "crohme"))
    xs, ys = data.Mixture([(crohme, 0.5), (train, 0.5)], seed=3, photo_share=0.5).batch(6, 150)
    assert xs.shape == (6, 1, 64, 256) and 0.0 <= xs.min() and xs.max() <= 1.0
    assert all(len(y) > 0 for y in ys)


@needs_shared
def test_trainer_runs_from_a_pack_and_exports_float16_weights(tmp_path, monkeypatch):
    small_pack(tmp_path / "pack")
    (tmp_path / "pack" / "texnorm.py").write_text(open(os.path.join(ROOT, "..", "shared", "eval", "texnorm.py")).read())
    from training.mathsnap_train import train
    run = tmp_path / "run"
    monkeypatch.setattr(sys, "argv", ["train", "--run", str(run), "--pack", str(tmp_path / "pack"), "--batch", "4",
                                      "--max-samples", "8", "--val-every", "8", "--workers", "1"])
    train.main()
    assert "VAL seen 8" in (run / "train.log").read_text()
    out = tmp_path / "models"
    export.export(str(run / "best.pt"), str(out), fp16_weights=True)
    manifest = json.load(open(out / "manifest.json"))["recognizer"]
    assert manifest["weights"] == "float16" and manifest["size"] == "base"
    import onnx
    enc = onnx.load(str(out / "recognizer_encoder.onnx"))
    assert any(i.data_type == onnx.TensorProto.FLOAT16 for i in enc.graph.initializer)
    # the float16 file is about half the float32 one
    assert os.path.getsize(out / "recognizer_decoder.onnx") < 0.6 * 3_179_480


def test_trainer_with_ema_validates_and_ships_the_average(tmp_path, monkeypatch):
    small_pack(tmp_path / "pack")
    (tmp_path / "pack" / "texnorm.py").write_text(open(os.path.join(ROOT, "..", "shared", "eval", "texnorm.py")).read())
    from training.mathsnap_train import train
    run = tmp_path / "run"
    monkeypatch.setattr(sys, "argv", ["train", "--run", str(run), "--pack", str(tmp_path / "pack"), "--batch", "4",
                                      "--max-samples", "8", "--val-every", "8", "--workers", "0", "--ema", "0.9"])
    train.main()
    last, shipped = torch.load(run / "last.pt"), torch.load(run / "validated.pt")
    assert "ema" in last and "opt" in last and "opt" not in shipped
    # what ships is the average (its own tensors), not the trained weights
    from training.mathsnap_train.model import Recognizer
    name = next(n for n, _ in Recognizer(len(data.Vocab().itos)).named_parameters())  # trained, not a fixed buffer
    assert torch.equal(shipped["model"][name], last["ema"]["module." + name])
    assert not torch.equal(shipped["model"][name], last["model"][name])


@needs_shared
def test_a_stop_signal_to_the_whole_process_group_still_saves(tmp_path):
    """GNU timeout and a session's end signal every process of the group: the data worker must not die
    first and take the trainer down before it saves. The periodic checkpoint is written from the first step
    on here, which also shows the worker has made a batch (and set its signal handling) before the signal."""
    import signal
    import subprocess
    import time
    small_pack(tmp_path / "pack")
    (tmp_path / "pack" / "texnorm.py").write_text(open(os.path.join(ROOT, "..", "shared", "eval", "texnorm.py")).read())
    run = tmp_path / "run"
    proc = subprocess.Popen([sys.executable, "-m", "training.mathsnap_train.train", "--run", str(run), "--pack",
                             str(tmp_path / "pack"), "--batch", "4", "--val-every", "100000", "--workers", "1",
                             "--checkpoint-minutes", "0.0001"], cwd=ROOT, start_new_session=True,
                            env=dict(os.environ, OMP_NUM_THREADS="1"), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.time() + 180
        while not (run / "last.pt").exists():
            assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
            assert time.time() < deadline, "no checkpoint within 3 minutes"
            time.sleep(0.5)
        os.killpg(proc.pid, signal.SIGTERM)
        assert proc.wait(timeout=120) == 0, proc.stderr.read().decode()[-2000:]
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert "stopped at" in (run / "train.log").read_text()
    assert torch.load(run / "last.pt")["state"]["seen"] > 0
