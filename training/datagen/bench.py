"""Throughput benchmark (not a test): recognizer samples/s and pages/s on one core, in one process.
`python3 -m training.datagen.bench [--rec N] [--pages M] [--out training/dataset_card/bench.json]`"""
import argparse
import json
import os
import platform
import time

import cv2

from . import spec as spec_mod
from .make_pages import make_page
from .make_rec import make_sample
from .renderer import Renderer


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rec", type=int, default=300)
    ap.add_argument("--pages", type=int, default=30)
    ap.add_argument("--out", default=os.path.join(os.path.dirname(spec_mod.SPEC_PATH), "dataset_card", "bench.json"))
    a = ap.parse_args()
    cv2.setNumThreads(1)
    spec = spec_mod.load()
    sched = spec_mod.cell_schedule(spec, "train", a.rec)
    pages = sorted(spec["pages"]["noise"])
    with Renderer() as r:
        make_sample(r, spec, "train", sched[0], 99, 0)  # warm-up: node start, fonts, MathJax
        t = time.process_time(), time.time()
        for i, cell in enumerate(sched):
            make_sample(r, spec, "train", cell, 99, i)
        rec_wall = time.time() - t[1]
        t = time.time()
        for i in range(a.pages):
            make_page(r, spec, "train", 99, i, pages[i % len(pages)])
        page_wall = time.time() - t
    rec_rate, page_rate = a.rec / rec_wall, a.pages / page_wall
    full = sum(spec["splits"].values()) / rec_rate + sum(spec["pages"]["splits"].values()) / page_rate
    res = {"rec_samples_per_s_per_core": round(rec_rate, 2), "pages_per_s_per_core": round(page_rate, 3),
           "full_spec_hours_one_core": round(full / 3600, 2), "rec_n": a.rec, "pages_n": a.pages,
           "cpu": platform.processor() or platform.machine(), "note": "wall clock, one Python process + its node worker "
           "(they alternate, so about one core); the machine was shared with a training job"}
    os.makedirs(os.path.dirname(a.out), exist_ok=True)
    with open(a.out, "w") as f:
        json.dump(res, f, indent=1)
    print(json.dumps(res))


if __name__ == "__main__":
    main()
