"""Reference right-to-left scores with onnxruntime, for tests/tract_parity.rs: the log-probability
that the manifest's decoder_r2l gives each token sequence of SEQUENCES (JSON, a list of lists of token
ids), read last token first and then the end token, one sequence at a time (no batch, no padding),
on the same deterministic input as ort_reference.py. Prints JSON: the input and the scores.

    python3 tests/support/ort_r2l_score.py MODELS SEQUENCES"""
import json
import sys

import numpy as np
import onnxruntime as ort

from reference_input import decoder_feeds, reference_image

models, sequences = sys.argv[1], json.loads(sys.argv[2])
m = json.load(open(f"{models}/manifest.json"))["recognizer"]
image = reference_image(m)
crop = decoder_feeds(*ort.InferenceSession(f"{models}/{m['encoder']}").run(None, {"image": image}))
dec = ort.InferenceSession(f"{models}/{m['decoder_r2l']}")
scores = []
for seq in sequences:
    hidden = np.zeros((1, m["hidden"]), np.float32)
    coverage = np.zeros((1, m["slots"]), np.float32)
    inputs, targets = [m["bos"]] + seq[::-1], seq[::-1] + [m["eos"]]
    total = 0.0
    for tok, target in zip(inputs, targets):
        lp, hidden, coverage = dec.run(None, {"token": np.array([tok], np.int64), "hidden": hidden,
                                              "coverage": coverage, **crop})
        total += float(lp[0, target])
    scores.append(total)
print(json.dumps({"image": image.ravel().tolist(), "scores": scores}))
