"""Growing a base recognizer into the deep size: the same function at first, and new layers that can learn."""
import pytest
import torch

from training.mathsnap_train.data import Vocab
from training.mathsnap_train.grow import grow
from training.mathsnap_train.model import Recognizer


def trained_like_base(seed=0):
    torch.manual_seed(seed)
    model = Recognizer(len(Vocab().itos), "base")
    for p in model.parameters():  # not a fresh model: every tensor differs from its initial value
        p.data.normal_(0, 0.1)
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.normal_(0, 0.1)
            m.running_var.uniform_(0.5, 1.5)
    return model


def test_grown_model_computes_what_the_base_model_does():
    base = trained_like_base().eval()
    deep = grow(base.state_dict(), len(Vocab().itos)).eval()
    assert sum(p.numel() for p in deep.parameters()) > sum(p.numel() for p in base.parameters())
    x, tokens = torch.rand(2, 1, 64, 256), torch.randint(0, len(Vocab().itos), (2, 7))
    with torch.no_grad():
        assert torch.allclose(deep(x, tokens), base(x, tokens), atol=1e-6)


def test_added_layers_learn():
    deep = grow(trained_like_base().state_dict(), len(Vocab().itos)).train()
    x, tokens = torch.rand(2, 1, 64, 256), torch.randint(0, len(Vocab().itos), (2, 7))
    deep(x, tokens).mean().backward()
    scale = deep.encoder.deeper[0].b[1].weight
    assert scale.grad is not None and scale.grad.abs().sum() > 0  # zero-started, not frozen


def test_only_base_weights_grow():
    large = Recognizer(len(Vocab().itos), "large")
    with pytest.raises(ValueError, match="base"):
        grow(large.state_dict(), len(Vocab().itos))
