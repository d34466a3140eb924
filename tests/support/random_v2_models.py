"""A recognizer v2 (transformer decoder, run by the engine with a key/value cache) of random weights,
exported as the engine loads it, for tests/tract_parity.rs: the cached decoder is tested against
onnxruntime whether or not models/ ships one. (export.py itself checks the exported step, stepped
through onnxruntime, against PyTorch's teacher-forced pass.)

    python3 tests/support/random_v2_models.py OUT [MAX_WIDTH]   (MAX_WIDTH: a wide canvas, e.g. 512)"""
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))
from training.mathsnap_train.data import Vocab  # noqa: E402
from training.mathsnap_train.export import export  # noqa: E402
from training.mathsnap_train.model import Recognizer  # noqa: E402

out = sys.argv[1]
max_width = int(sys.argv[2]) if len(sys.argv) > 2 else 256
os.makedirs(out, exist_ok=True)
torch.manual_seed(11)
model = Recognizer(len(Vocab().itos), "v2", max_width=max_width).eval()
# BatchNorms as training leaves them, not the identity: folded into their convolutions, fresh ones would
# all give zero biases, which the exporter stores once (recover.py reads one per convolution and layer)
with torch.no_grad():
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 2.0)
            m.bias.uniform_(-0.2, 0.2)
    for p in model.parameters():  # no two alike either (zero biases, unit norms): each keeps its own initializer
        p.add_(torch.randn_like(p) * 0.02)
torch.save({"model": model.state_dict(), "state": {"seen": 0}, "size": "v2", "direction": "l2r",
            "max_width": max_width}, os.path.join(out, "v2.pt"))
export(os.path.join(out, "v2.pt"), out, check=True)
