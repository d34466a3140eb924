"""Random weights that export as trained ones do, for the random test models (random_*_models.py)."""
import torch


def like_trained(model: torch.nn.Module, jitter: float = 0.0) -> None:
    """BatchNorms as training leaves them, not the identity: folded into their convolutions, fresh ones
    would all give zero biases, which the exporter stores once (recover.py reads one bias per
    convolution and layer). With `jitter`, every parameter moves by that much Gaussian noise as well,
    so that no two are alike (zero biases, unit norms) and each keeps its own initializer."""
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 2.0)
                m.bias.uniform_(-0.2, 0.2)
        if jitter:
            for p in model.parameters():
                p.add_(torch.randn_like(p) * jitter)
