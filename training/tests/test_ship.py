"""ship.py: the fitting steps run in the order each needs, and a failing one stops the rest."""
import subprocess

import pytest

from training.mathsnap_train.ship import ship, steps


def names(cmds):
    return [c[2] if c[1] == "-m" else c[1] for c in cmds]


def test_the_calibration_comes_before_the_gate_and_int8_comes_last():
    cmds = steps("/tmp/cand", "/tmp/out")
    assert names(cmds) == ["training.mathsnap_train.calibrate", "training.mathsnap_train.view_gate",
                           "training.mathsnap_train.turn_probe", "scripts/models_int8.py"]
    assert cmds[2][-1] == "--write" and cmds[3][-4:] == ["--src", "/tmp/cand", "--out", "/tmp/out"]


def test_a_failing_step_stops_before_anything_is_stored():
    ran = []

    def fake(cmd, cwd):
        ran.append(cmd)
        return subprocess.CompletedProcess(cmd, 1 if "view_gate" in " ".join(cmd) else 0)

    with pytest.raises(SystemExit, match="view_gate"):
        ship("/tmp/cand", "/tmp/out", run=fake)
    assert len(ran) == 2


def test_files_beside_the_models_are_stray(tmp_path):
    from training.mathsnap_train.ship import strays

    for name in ("manifest.json", "recognizer_encoder.onnx", "detector.onnx"):
        (tmp_path / name).write_text("x")
    assert strays(str(tmp_path)) == []
    (tmp_path / "predictions.jsonl").write_text("{}")
    assert strays(str(tmp_path)) == ["predictions.jsonl"]
