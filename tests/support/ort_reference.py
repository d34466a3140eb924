"""Reference run of the exported recognizer with onnxruntime, for tests/tract_parity.rs.

Reads models/manifest.json, encodes a deterministic test input, decodes greedily for up to
STEPS steps (the GRU step, or the transformer step with a key/value cache) with a batch of 1 with the decoder the manifest names under KEY ("decoder", the
default, or "decoder_r2l"), and prints JSON: input, memory, greedy tokens, per-step logprobs rows.
(tract_parity.rs replays the same tokens with a batch of 1 and of 3, the beam's shape.)

    python3 tests/support/ort_reference.py MODELS STEPS [KEY [WIDTH]]   (WIDTH: a wide canvas's input width)"""
import json
import sys

import numpy as np
import onnxruntime as ort

from reference_input import decoder_feeds, reference_image

models = sys.argv[1]
steps = int(sys.argv[2])
key = sys.argv[3] if len(sys.argv) > 3 else "decoder"
width = int(sys.argv[4]) if len(sys.argv) > 4 else None
m = json.load(open(f"{models}/manifest.json"))["recognizer"]
image = reference_image(m, width)
enc = ort.InferenceSession(f"{models}/{m['encoder']}")
dec = ort.InferenceSession(f"{models}/{m[key]}")
memory, keys = enc.run(None, {"image": image})
token = np.array([m["bos"]], np.int64)
tokens, rows = [], []
if "transformer" in m:
    # the cached transformer step (cached_decoder.py): one cache of `steps` rows, filled row by row
    row = m["transformer"]["layers"] * m["transformer"]["width"]
    past_keys = np.zeros((1, steps, row), np.float32)
    past_values = np.zeros_like(past_keys)

    def step(t, token):
        mask = np.where(np.arange(steps) < t, 0.0, -30000.0).astype(np.float32)[None]
        lp, k, v = dec.run(None, {"token": token, "position": np.array([t], np.int64), "mask": mask,
                                  "past_keys": past_keys, "past_values": past_values,
                                  "memory": memory, "keys": keys})
        past_keys[:, t], past_values[:, t] = k, v
        return lp
else:
    state = {"hidden": np.zeros((1, m["hidden"]), np.float32), "coverage": np.zeros((1, m["slots"]), np.float32)}
    crop = decoder_feeds(memory, keys)

    def step(t, token):
        lp, state["hidden"], state["coverage"] = dec.run(None, {"token": token, **state, **crop})
        return lp
for t in range(steps):
    lp = step(t, token)
    rows.append(lp[0].tolist())
    nxt = int(lp[0].argmax())
    tokens.append(nxt)
    token = np.array([nxt], np.int64)
print(json.dumps({"image": image.ravel().tolist(), "memory": memory.ravel().tolist(), "tokens": tokens, "rows": rows}))
