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


def page_with_text(h=640, w=480, text_px=12):
    """A white page with rows of small dark glyph-like marks, `text_px` tall (as on 640-px pages)."""
    img = np.ones((h, w, 3), np.float32)
    for y in range(40, h - 40, 3 * text_px):
        for x in range(30, w - 30, text_px):
            cv2.rectangle(img, (x, y), (x + text_px // 4, y + text_px), (0, 0, 0), -1)
    return img


def contrast(img):
    return float(np.abs(np.diff(img.mean(2), axis=1)).mean())


def test_page_blur_is_scaled_to_its_formulas():
    # A page passes the height of its formula crops: blurred in the page's own pixels (as a crop is),
    # 12-px text lost most of its edges; scaled to its formulas it keeps them, as a crop of them would.
    from training.datagen import effects
    page = page_with_text()
    as_page = [contrast(effects.blur_jpeg(np.random.default_rng(s), page)) for s in range(8)]
    as_formulas = [contrast(effects.blur_jpeg(np.random.default_rng(s), page, formula_h=15)) for s in range(8)]
    assert np.mean(as_formulas) > 1.5 * np.mean(as_page), (as_formulas, as_page)
    # a crop is blurred exactly as before: its own height is its formula height
    crop = page_with_text(64, 200)
    assert np.array_equal(effects.blur_jpeg(np.random.default_rng(5), crop),
                          effects.blur_jpeg(np.random.default_rng(5), crop, formula_h=64))
