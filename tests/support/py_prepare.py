"""Print training's recognizer input (training/mathsnap_train/preprocess.py) for each image path
given, as JSON lines of 64*W floats (W: the canvas's width), for tests/preprocess_parity.rs.
Usage: py_prepare.py MARGIN|none SCALE [--max-width N] PATH...  (the framing margin, none: no framing; the
view scale; the widest canvas, for a recognizer of a wide canvas)"""
import json
import os
import sys

import cv2

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "training"))
from mathsnap_train.preprocess import WIDTH, prepare  # noqa: E402

margin = None if sys.argv[1] == "none" else float(sys.argv[1])
scale = float(sys.argv[2])
paths, max_width = sys.argv[3:], WIDTH
if paths[:1] == ["--max-width"]:
    max_width, paths = int(paths[1]), paths[2:]
for path in paths:
    img = cv2.cvtColor(cv2.imread(path, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
    x = prepare(img, scale=scale, margin=margin, max_width=max_width)
    print(json.dumps([round(float(v), 5) for v in x.ravel()]))
