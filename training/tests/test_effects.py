"""Every noise cell of the spec has an effect that yields a sane grayscale crop (no renderer needed)."""
import cv2
import numpy as np

from training.datagen import spec as spec_mod
from training.datagen.compose import make_crop


def fake_formula():
    cov = np.zeros((60, 200), np.uint8)
    cv2.putText(cov, "x+1=2", (5, 45), cv2.FONT_HERSHEY_SIMPLEX, 1.5, 255, 3)
    return cov.astype(np.float32) / 255


def test_every_noise_cell_makes_a_crop():
    spec = spec_mod.load()
    for noise in spec["axes"]["noise"]:
        for handwritten in (False, True):
            img = make_crop(np.random.default_rng(1), fake_formula(), handwritten, noise, spec["crop"])
            assert img.dtype == np.uint8 and img.ndim == 2 and min(img.shape) >= 8, noise
            assert img.min() < 120 < img.max(), noise  # ink and paper both still present


def test_crops_are_deterministic():
    spec = spec_mod.load()
    a = make_crop(np.random.default_rng(3), fake_formula(), True, "curved_paper", spec["crop"])
    b = make_crop(np.random.default_rng(3), fake_formula(), True, "curved_paper", spec["crop"])
    assert np.array_equal(a, b)
