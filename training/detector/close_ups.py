"""Close-up training crops: one formula filling most of the detector's input, as the engine's close-up
probe (src/detector/close_up.rs) sees a photo of a single formula at a 256-px long side.

Why: the page sets hold formulas 10-40 px high at 640 px, so a student distilled on pages alone drifts
away from reading close-ups. The half-FPN student trained to 43k crops found no region at all on some
single-symbol close-ups of the CROHME-train hold-out ("M", "(v)") that its teacher boxed whole, and
read that hold-out at 46.0% against 50.7% in page mode (training/detector/README.md).

Two sources, both training-side only:
- CROHME *train* handwriting, its training rows only (the recognizer's hold-out stays out:
  mathsnap_train.data.crohme_train_rows), the quad being the ink's box;
- a page formula enlarged to fill the crop (`data.sample(..., close_up=True)`), with the page's text
  around it."""
import os

import cv2
import numpy as np

from . import geometry as G

# The close-up's long side as a share of the crop: the probe scales a photo to 256 px and a crop is
# 320 (train --size), so a whole close-up photo spans about 0.8 of it; smaller and larger both occur
# (a photo cut wider, or a long formula cropped by the camera).
LONG_SIDE_SHARE = (0.45, 1.0)
INK_LEVEL = 128  # CROHME renders are black strokes on white


def crohme_training_images(directory=None):
    """Paths of the CROHME-train images the recognizer trains on (never its hold-out)."""
    from ..mathsnap_train.data import SHARED, crohme_train_rows, image_subdir
    d = directory or os.path.join(SHARED, "crohme", "train")
    train, _held = crohme_train_rows(directory=d)
    sub = image_subdir(d)
    return [os.path.join(d, sub, name) for name, _latex, _cell in train]


def ink_box(gray):
    """(x0, y0, x1, y1) of the dark pixels, or None on a blank image."""
    ys, xs = np.nonzero(gray < INK_LEVEL)
    if len(xs) == 0:
        return None
    return float(xs.min()), float(ys.min()), float(xs.max() + 1), float(ys.max() + 1)


def box_quad(x0, y0, x1, y1):
    return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], np.float64)


def sample_crohme(rng, path, size, jitter):
    """-> (f32 [3, size, size], f32 target) of one handwritten formula photographed close up.
    `jitter`: data.colour_jitter (passed in to keep one augmentation for pages and close-ups)."""
    gray = cv2.imread(path, cv2.IMREAD_GRAYSCALE)
    if gray is None:
        raise IOError(f"cannot read {path}")
    box = ink_box(gray)
    h, w = gray.shape
    scale = size * rng.uniform(*LONG_SIDE_SHARE) / max(w, h)
    angle = angle_for_close_up(rng)
    # where the image's centre lands: anywhere that keeps most of the image inside the crop
    room = np.maximum(size - np.array([w, h]) * scale, 0) / 2 + 0.1 * size
    centre = size / 2 + rng.uniform(-1, 1, 2) * room
    M = cv2.getRotationMatrix2D((w / 2, h / 2), angle, scale)
    M[:, 2] += centre - np.array([w / 2, h / 2])
    crop = G.warp_to_crop(cv2.cvtColor(gray, cv2.COLOR_GRAY2RGB), M, scale, size)
    quads = G.transform_quads([] if box is None else [box_quad(*box)], M)
    target = G.core_target(quads, size // G.STRIDE, size // G.STRIDE, G.STRIDE)
    crop = jitter(rng, crop)
    return crop.astype(np.float32).transpose(2, 0, 1) / 255.0, target


def close_up_scale(rng, quad, size):
    """Page pixels -> crop pixels so that `quad`'s formula spans 40-90% of the crop's width, and never
    more than 60% of its height."""
    w, h = G.quad_size(quad)
    s = size * rng.uniform(0.4, 0.9) / max(w, 1.0)
    return min(s, 0.6 * size / max(h, 1.0))


def angle_for_close_up(rng):
    return 0.0 if rng.random() < 0.5 else float(rng.uniform(-6, 6))
