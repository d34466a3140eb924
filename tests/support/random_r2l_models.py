"""A recognizer with a right-to-left decoder, of random weights, exported as the engine loads it
(export.py --r2l), for tests/tract_parity.rs: the beam's rescoring is tested whether or not
models/ ships a right-to-left decoder.

    python3 tests/support/random_r2l_models.py OUT"""
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))
from training.mathsnap_train.data import Vocab  # noqa: E402
from training.mathsnap_train.export import export  # noqa: E402
from training.mathsnap_train.model import Recognizer  # noqa: E402
from trained_like import like_trained  # noqa: E402 (beside this script)

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
torch.manual_seed(7)
model = Recognizer(len(Vocab().itos), "base").eval()
like_trained(model)
for direction in ("l2r", "r2l"):
    if direction == "r2l":  # the same encoder, another decoder
        with torch.no_grad():
            for p in model.decoder.parameters():
                p.add_(torch.randn_like(p) * 0.05)
    torch.save({"model": model.state_dict(), "state": {"seen": 0}, "size": "base", "direction": direction},
               os.path.join(out, f"{direction}.pt"))
export(os.path.join(out, "l2r.pt"), out, check=False, r2l=os.path.join(out, "r2l.pt"))
