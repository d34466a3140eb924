"""Turns a rendered formula (ink coverage) into one recognizer crop for a noise cell:
handwriting distortion, margin, paper, ink, the cell's effect, the camera model (camera.py) -> uint8
grayscale."""
import cv2
import numpy as np

from . import camera, effects
from .paper import paper, rule_lines, ink_colour, apply_ink


def ink_bbox(cov, thresh=0.08):
    ys, xs = np.nonzero(cov > thresh)
    if len(xs) == 0:
        return None
    return int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1


def with_margin(rng, cov, crop_cfg):
    """Tight crop of the ink plus an independent random margin on each side."""
    box = ink_bbox(cov)
    if box is None:
        return None
    x0, y0, x1, y1 = box
    cov = cov[y0:y1, x0:x1]
    h = y1 - y0
    lo, hi = crop_cfg["margin_frac"]
    m = [max(crop_cfg["margin_min_px"], int(round(h * rng.uniform(lo, hi)))) for _ in range(4)]
    return np.pad(cov, ((m[1], m[3]), (m[0], m[2]))), (m[0], m[1], m[0] + x1 - x0, m[1] + y1 - y0)


def make_crop(rng, cov, handwritten, noise, crop_cfg):
    if handwritten:
        cov = effects.elastic(rng, np.pad(cov, 4))
    if noise == "rotation":
        # a crop of a rotated formula: what the recognizer sees after detection and straightening
        angle = rng.normal(0, 5) if rng.random() < 0.8 else rng.uniform(-15, 15)
        cov, _ = effects.rotate(np.pad(cov, 4), float(np.clip(angle, -15, 15)))
    framed = with_margin(rng, cov, crop_cfg)
    if framed is None:
        return None
    cov, box = framed
    h, w = cov.shape
    img = paper(rng, h, w)
    if noise == "lined_grid":
        img = rule_lines(rng, img, formula_h=box[3] - box[1])
    colour = ink_colour(rng, handwritten)
    if noise == "correction_fluid":
        img = effects.correction_patch(rng, img, box, colour)
    img = apply_ink(img, cov, colour, strength=rng.uniform(0.75, 1.0) if handwritten else rng.uniform(0.85, 1.0))
    if noise == "highlighter":
        img = effects.highlighter(rng, img, box)
    elif noise == "shadow":
        img = effects.shadow(rng, img)
    elif noise == "curved_paper":
        img = effects.curved_paper(rng, img)
    elif noise == "cut_off":
        img = effects.cut_off(rng, img, box)
    if noise == "clean":  # scans and screenshots exist: the clean cell keeps a faint sensor only
        img = effects.sensor(rng, img, amount=rng.uniform(0, 0.01))
    else:  # every other crop is a phone photo: the whole camera chain on top of the cell's effect
        img = camera.photograph(rng, img, camera.x_height_of(cov))
    if noise == "blur_jpeg":
        img = effects.blur_jpeg(rng, img)
    gray = cv2.cvtColor((np.clip(img, 0, 1) * 255).astype(np.uint8), cv2.COLOR_RGB2GRAY)
    return gray
