"""Paper and ink: background colour and texture, ruled or grid lines, ink colours, and compositing
ink coverage onto a paper image. Images are float32 RGB in 0..1."""
import cv2
import numpy as np

PRINT_INKS = [(0.05, 0.05, 0.05), (0.12, 0.12, 0.14), (0.0, 0.0, 0.0), (0.1, 0.1, 0.35), (0.3, 0.3, 0.3)]
PEN_INKS = [(0.05, 0.05, 0.08), (0.08, 0.12, 0.45), (0.15, 0.15, 0.18), (0.35, 0.35, 0.38),  # pencil
            (0.05, 0.2, 0.6), (0.55, 0.08, 0.08)]


def smooth_noise(rng, h, w, scale, amp):
    """Low-frequency noise field: small random grid upsampled (cheap and smooth)."""
    gh, gw = max(2, int(h / scale) + 2), max(2, int(w / scale) + 2)
    g = rng.normal(0, amp, (gh, gw)).astype(np.float32)
    return cv2.resize(g, (w, h), interpolation=cv2.INTER_CUBIC)


def paper(rng, h, w):
    base = np.array([rng.uniform(0.85, 1.0)] * 3, np.float32)
    if rng.random() < 0.4:  # cream / recycled / grey-blue tints
        base *= np.array([1.0, rng.uniform(0.95, 1.0), rng.uniform(0.85, 1.0)], np.float32)
    img = np.ones((h, w, 3), np.float32) * base
    img += smooth_noise(rng, h, w, max(8, min(h, w) / 2), 0.02)[..., None]
    img += rng.normal(0, 0.008, (h, w, 1)).astype(np.float32)  # fibre grain
    return np.clip(img, 0, 1)


def rule_lines(rng, img, formula_h=None):
    """Lined notebook (horizontal rules, sometimes a margin line) or square grid."""
    h, w = img.shape[:2]
    colour = np.array(rng.choice([(0.55, 0.7, 0.9), (0.7, 0.7, 0.7), (0.6, 0.8, 0.65), (0.9, 0.6, 0.6)]), np.float32)
    spacing = max(6, int((formula_h or h) * rng.uniform(0.35, 1.1)))
    thick = 1 if rng.random() < 0.7 else 2
    alpha = rng.uniform(0.35, 0.9)
    mask = np.zeros((h, w), np.uint8)
    off = int(rng.integers(spacing))
    for y in range(off, h, spacing):
        cv2.line(mask, (0, y), (w, y), 255, thick)
    if rng.random() < 0.45:  # grid
        offx = int(rng.integers(spacing))
        for x in range(offx, w, spacing):
            cv2.line(mask, (x, 0), (x, h), 255, thick)
    m = (mask.astype(np.float32) / 255 * alpha)[..., None]
    return img * (1 - m) + colour * m


def ink_colour(rng, handwritten):
    c = np.array((PEN_INKS if handwritten else PRINT_INKS)[int(rng.integers(len(PEN_INKS if handwritten else PRINT_INKS)))], np.float32)
    return np.clip(c + rng.normal(0, 0.03, 3), 0, 1).astype(np.float32)


def apply_ink(img, coverage, colour, strength=1.0):
    a = np.clip(coverage * strength, 0, 1)[..., None]
    return img * (1 - a) + colour * a
