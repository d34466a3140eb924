"""The moving average of the weights (train.py --ema): it averages, it resumes, it refuses nonsense."""
import pytest
import torch

from training.mathsnap_train.data import Vocab
from training.mathsnap_train.model import Recognizer
from training.mathsnap_train.train import make_ema


def small_model(seed):
    torch.manual_seed(seed)
    return Recognizer(len(Vocab().itos), "base")


def nudge(model, amount):
    with torch.no_grad():
        for p in model.parameters():
            p.add_(amount)


def test_the_average_follows_the_weights_by_its_decay():
    model = small_model(0)
    start = {k: v.clone() for k, v in model.state_dict().items()}
    ema = make_ema(model, 0.9, None)
    ema.update_parameters(model)  # the first update copies the weights
    nudge(model, 1.0)
    ema.update_parameters(model)  # then 0.9 x average + 0.1 x weights
    for name, p in ema.module.named_parameters():
        assert torch.allclose(p, start[name] + 0.1, atol=1e-5), name
    # BatchNorm statistics are averaged too (use_buffers), so the average is a whole, usable model
    assert any("running_mean" in name for name, _ in ema.module.named_buffers())


def test_a_resumed_average_carries_on_where_it_was():
    model = small_model(1)
    ema = make_ema(model, 0.99, None)
    for _ in range(3):
        nudge(model, 0.5)
        ema.update_parameters(model)
    resumed = make_ema(model, 0.99, {"ema": ema.state_dict()})
    assert int(resumed.n_averaged) == 3
    for (name, a), (_, b) in zip(ema.module.state_dict().items(), resumed.module.state_dict().items()):
        assert torch.equal(a, b), name


def test_no_average_unless_asked_and_a_clear_error_for_a_bad_decay():
    assert make_ema(small_model(2), 0.0, None) is None
    for bad in (1.0, 1.5, -0.1):
        with pytest.raises(ValueError, match="--ema"):
            make_ema(small_model(2), bad, None)
