"""The upside-down probe's fit: row means of the encoder memory, and weights that apply to raw features."""
import os

import numpy as np
import pytest

from training.mathsnap_train.latex import ROOT
from training.mathsnap_train.turn_probe import fit, row_means



def test_row_means_average_each_row_of_slots():
    # 2 rows of 3 slots, 2 channels; slots are row-major
    memory = np.array([[1, 10], [2, 20], [3, 30], [4, 40], [5, 50], [6, 60]], np.float32)
    assert row_means(memory, 2).tolist() == [2, 20, 5, 50]


def test_fit_separates_and_its_weights_apply_to_raw_features():
    rng = np.random.default_rng(0)
    # feature 0 tells the label, on a large offset and scale; feature 1 is noise
    y = np.repeat([0.0, 1.0], 200)
    X = np.stack([100 + 5 * (2 * y - 1) + rng.normal(0, 2, 400), rng.normal(0, 50, 400)], axis=1)
    weights, bias = fit(X, y, ridge=1.0)
    z = X @ weights + bias
    assert ((z > 0) == (y > 0.5)).mean() > 0.95
    assert abs(weights[1]) < abs(weights[0]) / 20


def test_the_shipped_manifest_probe_fits_the_encoder():
    import json
    rec = json.load(open(os.path.join(ROOT, "models", "manifest.json")))["recognizer"]
    probe = rec.get("upside_down")
    if probe is None:
        pytest.skip("no probe in the models")
    assert rec["slots"] % probe["rows"] == 0
    assert len(probe["weights"]) % probe["rows"] == 0
    assert all(np.isfinite(probe["weights"])) and np.isfinite(probe["bias"])


def test_the_engine_computes_the_probe_as_python_does(tmp_path):
    """The Rust probe (src/recognizer/upside_down.rs) against this one, on a crop upright and turned round."""
    import json
    import subprocess
    import cv2
    from training.mathsnap_train.data import load_image
    from training.mathsnap_train.turn_probe import Encoder
    exe = os.path.join(ROOT, "target", "release", "mathsnap")
    if not os.path.exists(exe):
        pytest.skip("the native engine is not built (make build-native)")
    probe = json.load(open(os.path.join(ROOT, "models", "manifest.json")))["recognizer"]["upside_down"]
    crop = load_image(os.path.join(ROOT, "tests", "fixtures", "e2e-quadratic.png"))
    rows = []
    for k, img in enumerate([crop, np.ascontiguousarray(crop[::-1, ::-1])]):
        cv2.imwrite(str(tmp_path / f"{k}.png"), cv2.cvtColor(img, cv2.COLOR_RGB2BGR))
        rows.append(f"{k}.png\tx\n")
    (tmp_path / "labels.tsv").write_text("".join(rows))
    preds = tmp_path / "p.jsonl"
    subprocess.run([exe, "--models", os.path.join(ROOT, "models"), "--beam", "1", "eval", "--single", str(tmp_path),
                    "--predictions", str(preds)], check=True, capture_output=True)
    got = [json.loads(line)["upside_down"] for line in open(preds)]
    encoder = Encoder(os.path.join(ROOT, "models"))
    want = [float(encoder.features(load_image(str(tmp_path / f"{k}.png"))) @ np.array(probe["weights"]) + probe["bias"])
            for k in range(2)]
    assert got == pytest.approx(want, abs=1e-3)
    assert want[0] < 0 < want[1], "the printed crop reads upright, and turned round when it is"


def test_on_a_wide_canvas_the_engine_computes_the_probe_as_python_does(tmp_path):
    """A recognizer v2 of a wide canvas (random weights) and a random probe: a long formula's features are its
    wide canvas's row means in the engine and in the fit alike (the fit once read every crop squeezed)."""
    import json
    import shutil
    import subprocess
    import cv2
    import torch
    from training.mathsnap_train.data import Vocab, load_image
    from training.mathsnap_train.export import export
    from training.mathsnap_train.model import Recognizer
    from training.mathsnap_train.turn_probe import Encoder
    exe = os.path.join(ROOT, "target", "release", "mathsnap")
    if not os.path.exists(exe):
        pytest.skip("the native engine is not built (make build-native)")
    models = tmp_path / "models"
    models.mkdir()
    for name in ("manifest.json", "detector.onnx"):   # the shipped detector beside it, as candidate.py does
        shutil.copy(os.path.join(ROOT, "models", name), models / name)
    torch.manual_seed(3)
    model = Recognizer(len(Vocab().itos), "v2", max_width=512).eval()
    torch.save({"model": model.state_dict(), "state": {"seen": 0}, "size": "v2", "direction": "l2r", "max_width": 512},
               tmp_path / "v2.pt")
    export(str(tmp_path / "v2.pt"), str(models), check=False)
    manifest = json.load(open(models / "manifest.json"))
    encoder = Encoder(str(models))
    rng = np.random.default_rng(0)
    dim = encoder.features(np.full((40, 60, 3), 255, np.uint8)).size // encoder.rows
    weights = [round(float(v), 7) for v in rng.normal(0, 1, encoder.rows * dim)]
    manifest["recognizer"]["upside_down"] = {"rows": encoder.rows, "bias": 0.1, "weights": weights}
    json.dump(manifest, open(models / "manifest.json", "w"))
    img = np.full((48, 900, 3), 255, np.uint8)   # a formula about 4 times too long for 64 x 256
    cv2.putText(img, "x+1=y+2=z+3=w+4=v+5", (8, 36), cv2.FONT_HERSHEY_SIMPLEX, 1.2, (0, 0, 0), 2)
    cv2.imwrite(str(tmp_path / "long.png"), img)
    (tmp_path / "labels.tsv").write_text("long.png\tx\n")
    preds = tmp_path / "p.jsonl"
    subprocess.run([exe, "--models", str(models), "--beam", "1", "eval", "--single", str(tmp_path), "--predictions",
                    str(preds)], check=True, capture_output=True)
    got = json.loads(open(preds).readline())["upside_down"]
    probe = manifest["recognizer"]["upside_down"]
    features = encoder.features(load_image(str(tmp_path / "long.png")))
    assert encoder.max_width == 512
    assert got == pytest.approx(float(features @ np.array(probe["weights"]) + probe["bias"]), abs=1e-3)
