"""Recognizer input preprocessing. The Rust engine (src/preprocess.rs) implements the same steps;
tests/preprocess_parity.rs and training/tests compare both on the same images.

Steps: grayscale -> fit inside 64x256 keeping the aspect ratio (area resampling) -> subtract a local
paper estimate (max filter, then box blur) so shadows and tinted paper vanish -> scale so that
strong ink is 1.0 -> place top-left on an empty (0.0) canvas. The model sees ink = 1, paper = 0.
"""
import numpy as np
import cv2

HEIGHT, WIDTH = 64, 256
PAPER_WINDOW = 7      # wider than a pen stroke at this scale, narrower than a shadow's gradient
MIN_CONTRAST = 0.15   # below this the crop is mostly paper: do not blow noise up to full ink


def to_gray(img):
    """uint8 HxW or HxWx3 (RGB) -> float32 HxW in 0..1, with the engine's luma weights."""
    if img.ndim == 3:
        img = img[..., :3].astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32)
    return img.astype(np.float32) / 255.0


def fit_size(h, w, scale=1.0):
    """Size after fitting (h, w) into HEIGHT x WIDTH, times an extra scale <= 1 (augmentation)."""
    s = min(HEIGHT / h, WIDTH / w) * scale
    return max(1, min(HEIGHT, round(h * s))), max(1, min(WIDTH, round(w * s)))


def box_filter(a, k):
    return cv2.blur(a, (k, k), borderType=cv2.BORDER_REPLICATE)


def max_filter(a, k):
    return cv2.dilate(a, np.ones((k, k), np.uint8), borderType=cv2.BORDER_REPLICATE)


def normalise_ink(g):
    """float gray (paper bright) -> ink map in 0..1, independent of illumination."""
    paper = box_filter(max_filter(g, PAPER_WINDOW), PAPER_WINDOW)
    paper = np.maximum(paper, g)
    d = paper - g
    scale = max(float(np.percentile(d, 99)), MIN_CONTRAST)
    return np.clip(d / scale, 0.0, 1.0)


def prepare(img, scale=1.0, offset=(0, 0), interpolation=cv2.INTER_AREA):
    """Image array (uint8 gray or RGB) -> float32 [HEIGHT, WIDTH] model input."""
    g = to_gray(img)
    h, w = fit_size(*g.shape, scale)
    small = cv2.resize(g, (w, h), interpolation=interpolation)
    ink = normalise_ink(small)
    canvas = np.zeros((HEIGHT, WIDTH), np.float32)
    oy, ox = min(offset[0], HEIGHT - h), min(offset[1], WIDTH - w)
    canvas[oy:oy + h, ox:ox + w] = ink
    return canvas
