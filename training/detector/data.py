"""Pages (make_pages output) -> augmented training crops with their core targets.

A sample: the page (already long side 640) under a random similarity transform (scale 0.5-1.4 by default;
rotation none 35%, +-6 deg 25%, +-45 deg 28%, page turns 12%; 70% of the time centred on a formula), cropped to `size` x `size` with white outside
the page (the engine pads with white), then colour / blur / noise / JPEG jitter. The target is
geometry.core_target of the transformed quads at stride 4. A share of crops can be close-ups instead
(`batch(..., close_up_share=)`, close_ups.py): one formula filling most of the crop."""
import json
import math
import os

import cv2
import numpy as np

from . import close_ups as C
from . import geometry as G

# The engine's detection size (the manifest's `long_side`, written by export.py): a photo is scaled so
# its long side is this before the detector runs. Training scales stay relative to PAGE_SIDE, the
# synthetic pages' own long side.
ENGINE_LONG_SIDE = 800
PAGE_SIDE = 640.0
MAX_SCALE = 1.4  # largest page scale of a training crop, by default (train --max-scale)
MIN_SCALE = 0.5  # smallest (train --min-scale): 0.5 puts the median formula ~10 px tall at the engine's 800


def load_pages(root):
    pages = []
    with open(os.path.join(root, "pages.jsonl"), encoding="utf-8") as f:
        for line in f:
            p = json.loads(line)
            p["path"] = os.path.join(root, "images", p["image"])
            p["quads"] = [np.array(fm["quad"], np.float64) for fm in p["formulas"]]
            pages.append(p)
    return pages


def read_rgb(path):
    im = cv2.imread(path, cv2.IMREAD_COLOR)
    if im is None:
        raise IOError(f"cannot read {path}")
    return cv2.cvtColor(im, cv2.COLOR_BGR2RGB)


def page_input(rgb, long_side=ENGINE_LONG_SIDE):
    """As Detector::detect_at: scale so the long side is `long_side`, pad right/bottom with white to a
    multiple of 32. Returns (f32 [3, H, W] 0..1, scale)."""
    h, w = rgb.shape[:2]
    scale = long_side / max(w, h)
    sw, sh = max(1, round(w * scale)), max(1, round(h * scale))
    if (sw, sh) != (w, h):
        interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
        rgb = cv2.resize(rgb, (sw, sh), interpolation=interp)
    pw, ph = -(-sw // 32) * 32, -(-sh // 32) * 32
    out = np.full((ph, pw, 3), 255, np.uint8)
    out[:sh, :sw] = rgb
    return out.astype(np.float32).transpose(2, 0, 1) / 255.0, scale


def colour_jitter(rng, img):
    """img: uint8 RGB -> uint8 RGB."""
    x = img.astype(np.float32) / 255.0
    if rng.random() < 0.15:
        g = x.mean(2, keepdims=True)
        x = np.repeat(g, 3, 2)
    gain = rng.uniform(0.85, 1.15, 3) * rng.uniform(0.75, 1.15)
    x = x * gain + rng.uniform(-0.08, 0.08)
    if rng.random() < 0.5:
        c = rng.uniform(0.7, 1.3)
        x = (x - 0.5) * c + 0.5
    x = np.clip(x, 0, 1)
    if rng.random() < 0.3:
        x = x ** rng.uniform(0.7, 1.4)
    if rng.random() < 0.25:
        k = rng.choice([3, 5])
        x = cv2.GaussianBlur(x, (k, k), rng.uniform(0.5, 1.3))
    if rng.random() < 0.3:
        x = x + rng.normal(0, rng.uniform(0.01, 0.05), x.shape).astype(np.float32)
    out = (np.clip(x, 0, 1) * 255).astype(np.uint8)
    if rng.random() < 0.25:
        ok, enc = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(30, 85))])
        out = cv2.imdecode(enc, cv2.IMREAD_UNCHANGED)
    return out


def sample(rng, page, size=320, stride=G.STRIDE, max_scale=MAX_SCALE, close_up=False, min_scale=MIN_SCALE):
    """-> (f32 [3, size, size], f32 [size/stride, size/stride]). The page is scaled by min_scale-max_scale
    (log-uniform) relative to PAGE_SIDE; with `close_up`, so that one of its formulas fills the crop
    (close_ups.close_up_scale), nearly level and nearly centred."""
    img = read_rgb(page["path"])
    h, w = img.shape[:2]
    quads = page["quads"]
    close_up = close_up and bool(quads)
    if close_up:
        q = quads[int(rng.integers(len(quads)))]
        scale = C.close_up_scale(rng, q, size)
        angle = C.angle_for_close_up(rng)
        cx, cy = q.mean(0) + rng.uniform(-0.1, 0.1, 2) * size / scale
    else:
        scale = PAGE_SIDE / max(w, h) * math.exp(rng.uniform(math.log(min_scale), math.log(max_scale)))
        u = rng.random()  # rotation: none / slight / any tilt up to 45 deg / page turned (test pages have all four)
        angle = (0.0 if u < 0.35 else rng.uniform(-6, 6) if u < 0.6 else rng.uniform(-45, 45) if u < 0.88
                 else float(rng.choice([90, 180, 270])) + rng.uniform(-6, 6))
        if quads and rng.random() < 0.7:
            q = quads[int(rng.integers(len(quads)))]
            cx, cy = q.mean(0) + rng.uniform(-0.35, 0.35, 2) * size / scale
        else:
            cx, cy = rng.uniform(0, w), rng.uniform(0, h)
    # page point p -> crop: R(angle) * scale * (p - c) + size/2
    M = cv2.getRotationMatrix2D((float(cx), float(cy)), angle, scale)
    M[:, 2] += np.array([size / 2 - cx, size / 2 - cy])
    crop = G.warp_to_crop(img, M, scale, size)
    target = G.core_target(G.transform_quads(quads, M), size // stride, size // stride, stride)
    crop = colour_jitter(rng, crop)
    return crop.astype(np.float32).transpose(2, 0, 1) / 255.0, target


def batch(rng, pages, n, size=320, max_scale=MAX_SCALE, close_ups=(), close_up_share=0.0, page_close_up_share=0.0,
          min_scale=MIN_SCALE):
    """n crops: pages as they are; with probability `close_up_share` a handwritten formula from
    `close_ups` (image paths, close_ups.crohme_training_images) photographed close up, and with
    probability `page_close_up_share` a page formula enlarged to fill the crop."""
    xs, ys = [], []
    for _ in range(n):
        u = rng.random()
        if u < close_up_share and len(close_ups):
            x, y = C.sample_crohme(rng, close_ups[int(rng.integers(len(close_ups)))], size, colour_jitter)
        else:
            x, y = sample(rng, pages[int(rng.integers(len(pages)))], size, max_scale=max_scale,
                          close_up=u >= 1.0 - page_close_up_share, min_scale=min_scale)
        xs.append(x)
        ys.append(y)
    return np.stack(xs), np.stack(ys)[:, None]
