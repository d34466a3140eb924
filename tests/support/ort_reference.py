"""Reference run of the exported recognizer with onnxruntime, for tests/tract_parity.rs.

Reads models/manifest.json, encodes a deterministic test input, decodes greedily for up to
STEPS steps with a batch of 1 with the decoder the manifest names under KEY ("decoder", the
default, or "decoder_r2l"), and prints JSON: input, memory, greedy tokens, per-step logprobs rows.
(tract_parity.rs replays the same tokens with a batch of 1 and of 3, the beam's shape.)

    python3 tests/support/ort_reference.py MODELS STEPS [KEY]"""
import json
import sys

import numpy as np
import onnxruntime as ort

from reference_input import reference_image

models = sys.argv[1]
steps = int(sys.argv[2])
key = sys.argv[3] if len(sys.argv) > 3 else "decoder"
m = json.load(open(f"{models}/manifest.json"))["recognizer"]
image = reference_image(m)
enc = ort.InferenceSession(f"{models}/{m['encoder']}")
dec = ort.InferenceSession(f"{models}/{m[key]}")
memory, keys = enc.run(None, {"image": image})
hidden = np.zeros((1, m["hidden"]), np.float32)
coverage = np.zeros((1, m["slots"]), np.float32)
token = np.array([m["bos"]], np.int64)
tokens, rows = [], []
for _ in range(steps):
    lp, hidden, coverage = dec.run(None, {"token": token, "hidden": hidden, "coverage": coverage,
                                          "memory": memory, "keys": keys})
    rows.append(lp[0].tolist())
    nxt = int(lp[0].argmax())
    tokens.append(nxt)
    token = np.array([nxt], np.int64)
print(json.dumps({"image": image.ravel().tolist(), "memory": memory.ravel().tolist(), "tokens": tokens, "rows": rows}))
