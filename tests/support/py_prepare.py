"""Print training's recognizer input (training/mathsnap_train/preprocess.py) for each image path
given, as JSON lines of 64*256 floats, for tests/preprocess_parity.rs.
Usage: py_prepare.py MARGIN|none SCALE PATH...  (the framing margin, none: no framing; the view scale)"""
import json
import os
import sys

import cv2

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "training"))
from mathsnap_train.preprocess import prepare  # noqa: E402

margin = None if sys.argv[1] == "none" else float(sys.argv[1])
scale = float(sys.argv[2])
for path in sys.argv[3:]:
    img = cv2.cvtColor(cv2.imread(path, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
    print(json.dumps([round(float(v), 5) for v in prepare(img, scale=scale, margin=margin).ravel()]))
