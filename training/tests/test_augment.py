"""The recognizer's handwriting augmentations: they change shapes, not content."""
import random

import numpy as np

from training.mathsnap_train.data import _elastic, _stretch


def stroke_image():
    img = np.full((152, 400, 3), 255, np.uint8)
    img[70:76, 40:360] = 0     # a fraction bar
    img[20:60, 190:196] = 0    # a numeral's stem
    return img


def ink(img):
    return (img[..., 0] < 128).sum()


def test_elastic_warp_moves_strokes_but_keeps_size_and_ink():
    img = stroke_image()
    warped = _elastic(img, random.Random(1))
    assert warped.shape == img.shape and warped.dtype == np.uint8
    assert not np.array_equal(warped, img)
    assert 0.7 < ink(warped) / ink(img) < 1.3
    # gentle: the bar stays within a few pixels of its row
    rows = np.nonzero((warped[..., 0] < 128)[:, 60:160].any(axis=1))[0]
    assert rows.min() > 55 and rows.max() < 90


def test_elastic_warp_is_reproducible_from_the_rng():
    img = stroke_image()
    assert np.array_equal(_elastic(img, random.Random(5)), _elastic(img, random.Random(5)))


def test_stretch_changes_width_only_within_bounds():
    img = stroke_image()
    for seed in range(20):
        out = _stretch(img, random.Random(seed))
        assert out.shape[0] == 152 and 320 <= out.shape[1] <= 480

