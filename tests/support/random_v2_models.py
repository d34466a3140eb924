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
from trained_like import like_trained  # noqa: E402 (beside this script)

out = sys.argv[1]
max_width = int(sys.argv[2]) if len(sys.argv) > 2 else 256
os.makedirs(out, exist_ok=True)
torch.manual_seed(11)
model = Recognizer(len(Vocab().itos), "v2", max_width=max_width).eval()
like_trained(model, jitter=0.02)  # no two parameters alike: each keeps its own initializer
torch.save({"model": model.state_dict(), "state": {"seen": 0}, "size": "v2", "direction": "l2r",
            "max_width": max_width}, os.path.join(out, "v2.pt"))
export(os.path.join(out, "v2.pt"), out, check=True)
