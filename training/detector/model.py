"""A compact DBNet-style segmenter: depthwise-separable encoder (strides 4..32), FPN-lite decoder
(1x1 laterals, top-down nearest upsampling, summed at stride 4), a light head -> sigmoid `prob`
[B, 1, H/4, W/4] for the formula core. Input: RGB 0..1, H and W multiples of 32."""
import torch
import torch.nn as nn
import torch.nn.functional as F


def cbr(cin, cout, k=3, s=1, groups=1, dil=1):
    return nn.Sequential(nn.Conv2d(cin, cout, k, s, dil * (k // 2), dilation=dil, groups=groups, bias=False),
                         nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class DWBlock(nn.Module):
    """depthwise kxk (stride s) -> pointwise; residual when shapes match."""

    def __init__(self, cin, cout, s=1, k=3, dil=1):
        super().__init__()
        self.dw = cbr(cin, cin, k, s, groups=cin, dil=dil)
        self.pw = nn.Sequential(nn.Conv2d(cin, cout, 1, bias=False), nn.BatchNorm2d(cout))
        self.res = s == 1 and cin == cout

    def forward(self, x):
        y = self.pw(self.dw(x))
        return F.relu(y + x if self.res else y)


# A new run's shape unless --widths/--fpn say otherwise: half the widths of the shipped detector's teacher
# (32, 64, 128, 192, 256; FPN 96) in every layer, about 0.29x its arithmetic (0.57 against 1.95 GMAC at 608x800).
# The shipped detector keeps those encoder widths with FPN 48 (1.22 GMAC; README 'Current model').
WIDTHS = (16, 32, 64, 96, 128)
FPN = 48


class DetNet(nn.Module):
    def __init__(self, widths=WIDTHS, fpn=FPN):
        super().__init__()
        w0, w1, w2, w3, w4 = widths
        self.config = {"widths": list(widths), "fpn": fpn}
        self.stem = cbr(3, w0, 3, 2)                                    # 1/2
        self.s1 = nn.Sequential(DWBlock(w0, w1, 2), DWBlock(w1, w1))     # 1/4
        self.s2 = nn.Sequential(DWBlock(w1, w2, 2), DWBlock(w2, w2))     # 1/8
        self.s3 = nn.Sequential(DWBlock(w2, w3, 2), DWBlock(w3, w3, k=5), DWBlock(w3, w3, k=5))  # 1/16
        self.s4 = nn.Sequential(DWBlock(w3, w4, 2), DWBlock(w4, w4, k=5), DWBlock(w4, w4, k=5, dil=2))  # 1/32
        self.lat = nn.ModuleList([nn.Conv2d(c, fpn, 1) for c in (w1, w2, w3, w4)])
        self.smooth = nn.ModuleList([DWBlock(fpn, fpn) for _ in range(4)])
        self.head = nn.Sequential(DWBlock(fpn, fpn), nn.Conv2d(fpn, 32, 1, bias=False), nn.BatchNorm2d(32),
                                  nn.ReLU(inplace=True), nn.Conv2d(32, 1, 1))
        nn.init.constant_(self.head[-1].bias, -3.0)

    def logits(self, x):
        x = (x - 0.5) / 0.25
        c1 = self.s1(self.stem(x))
        c2 = self.s2(c1)
        c3 = self.s3(c2)
        c4 = self.s4(c3)
        p4 = self.lat[3](c4)
        p3 = self.lat[2](c3) + F.interpolate(p4, scale_factor=2.0, mode="nearest")
        p2 = self.lat[1](c2) + F.interpolate(p3, scale_factor=2.0, mode="nearest")
        p1 = self.lat[0](c1) + F.interpolate(p2, scale_factor=2.0, mode="nearest")
        fused = (self.smooth[0](p1)
                 + F.interpolate(self.smooth[1](p2), scale_factor=2.0, mode="nearest")
                 + F.interpolate(self.smooth[2](p3), scale_factor=4.0, mode="nearest")
                 + F.interpolate(self.smooth[3](p4), scale_factor=8.0, mode="nearest"))
        return self.head(fused)

    def forward(self, x):
        return torch.sigmoid(self.logits(x))


def from_config(cfg):
    """A DetNet of the shape a checkpoint's `config` records (older checkpoints have none: the default)."""
    return DetNet(tuple(cfg.get("widths", WIDTHS)), cfg.get("fpn", FPN))


def load_checkpoint(path):
    """A trained DetNet in eval mode, built with the widths its checkpoint was trained with."""
    ck = torch.load(path, map_location="cpu", weights_only=False)
    model = from_config(ck.get("config", {}))
    model.load_state_dict(ck["model"])
    return model.eval(), ck


def n_params(m):
    return sum(p.numel() for p in m.parameters())
