"""canvas_compare: the same weights read squeezed and on their wide canvas, split by crop width."""
import cv2
import numpy as np
import pytest
import torch

from training.mathsnap_train import canvas_compare
from training.mathsnap_train.data import Vocab
from training.mathsnap_train.model import Recognizer


def write_set(tmp_path):
    for name, text in [("short", "x+1"), ("long", "x+1=y+2=z+3=w+4=v+5")]:
        img = np.full((40, 30 * len(text), 3), 255, np.uint8)
        cv2.putText(img, text, (5, 30), cv2.FONT_HERSHEY_SIMPLEX, 1.0, (0, 0, 0), 2)
        cv2.imwrite(str(tmp_path / f"{name}.png"), img)
    (tmp_path / "labels.tsv").write_text("short.png\tx+1\tclean\nlong.png\tx+1=y+2=z+3=w+4=v+5\tclean\n")


def test_every_crop_is_read_on_both_canvases_and_counted_by_its_width(tmp_path, monkeypatch):
    write_set(tmp_path)
    torch.manual_seed(0)
    model = Recognizer(len(Vocab().itos), "v2", max_width=512).eval()
    widths = []
    monkeypatch.setattr(canvas_compare, "read", lambda m, v, x: widths.append(x.shape[1]) or "x+1")
    counts = canvas_compare.compare(model, Vocab(), canvas_compare.read_labels(tmp_path / "labels.tsv"),
                                    str(tmp_path), lambda s: s.replace(" ", ""))
    assert sorted(widths) == [256, 256, 256, 512]   # the long crop's wide canvas only is wider
    assert counts == {("squeezed", "fits"): [1, 1], ("wide", "fits"): [1, 1],
                      ("squeezed", "wider"): [0, 1], ("wide", "wider"): [0, 1]}


def test_a_model_of_the_narrow_canvas_is_refused(tmp_path):
    write_set(tmp_path)
    torch.save({"model": Recognizer(len(Vocab().itos), "v2").state_dict(), "size": "v2"}, tmp_path / "ck.pt")
    with pytest.raises(SystemExit, match="64 x 256 only"):
        canvas_compare.main([str(tmp_path / "ck.pt"), str(tmp_path)])
