"""Weight averaging of checkpoints: the mean it claims, and clear refusals for what cannot be averaged."""
import pytest
import torch

from training.mathsnap_train.data import Vocab
from training.mathsnap_train.model import Recognizer
from training.mathsnap_train.soup import average


def checkpoint(seed, size="base", seen=1000):
    torch.manual_seed(seed)
    vocab = Vocab()
    model = Recognizer(len(vocab.itos), size)
    for p in model.parameters():  # fresh BatchNorms are all ones and zeros: make every tensor differ
        p.data.normal_()
    return {"model": model.state_dict(), "state": {"seen": seen, "step": seen // 24}, "vocab": vocab.itos, "size": size}


def test_soup_is_the_weighted_mean_of_every_float_tensor():
    a, b = checkpoint(1, seen=450_000), checkpoint(2, seen=540_000)
    soup = average([a, b], [1.0, 3.0])
    for name, tensor in a["model"].items():
        if tensor.is_floating_point():
            assert torch.allclose(soup["model"][name], 0.25 * tensor + 0.75 * b["model"][name], atol=1e-6)
        else:
            assert torch.equal(soup["model"][name], tensor)
    assert soup["state"]["seen"] == 540_000 and [s["share"] for s in soup["state"]["soup"]] == [0.25, 0.75]
    model = Recognizer(len(Vocab().itos), "base")
    model.load_state_dict(soup["model"])  # loads as a checkpoint of the same model


def test_soup_of_one_is_that_checkpoint():
    a = checkpoint(3)
    soup = average([a])
    assert all(torch.equal(soup["model"][k], v) for k, v in a["model"].items())


def test_soup_refuses_what_cannot_be_averaged():
    with pytest.raises(ValueError, match="sizes"):
        average([checkpoint(1), checkpoint(2, size="large")])
    with pytest.raises(ValueError, match="weight"):
        average([checkpoint(1), checkpoint(2)], [1.0])
    with pytest.raises(ValueError, match="weight"):
        average([checkpoint(1), checkpoint(2)], [0.0, 0.0])
    with pytest.raises(ValueError, match="no checkpoints"):
        average([])


def test_a_soup_keeps_its_sources_canvas_and_refuses_to_mix_canvases():
    wide = [checkpoint(seed, "v2") for seed in (0, 1)]
    for ck in wide:
        ck["max_width"] = 512
    assert average(wide)["max_width"] == 512
    narrow = checkpoint(2, "v2")
    with pytest.raises(ValueError, match="canvases"):
        average([wide[0], narrow])
