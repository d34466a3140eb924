"""The recognizer's input framing: the model sees a formula at the same size and place however much
paper its crop came with (preprocess.frame_bounds and extend)."""
import numpy as np

from training.mathsnap_train.preprocess import FRAME_MARGIN, frame_bounds, prepare


def formula(pad=0, speck=False):
    """A fraction-like drawing cut tight to its ink, with `pad` pixels of paper on every side."""
    img = np.full((60, 200), 255, np.uint8)
    img[28:32, :] = 0        # the bar spans the whole width
    img[0:20, 90:96] = 0     # a numerator's stem touches the top
    img[40:60, 60:64] = 0    # a denominator's strokes touch the bottom
    img[56:60, 60:140] = 0
    img = np.pad(img, pad, constant_values=255)
    if speck:
        img[2:4, 2:4] = 0    # dust far from the formula
    return img


def extent(x):
    """(rows, columns) the ink spans in a model input."""
    rows, cols = np.nonzero(x.max(axis=1) > 0.3)[0], np.nonzero(x.max(axis=0) > 0.3)[0]
    return rows.max() - rows.min() + 1, cols.max() - cols.min() + 1


def test_framing_ignores_the_margins_a_crop_came_with():
    tight, padded = extent(prepare(formula())), extent(prepare(formula(pad=80)))
    assert abs(tight[0] - padded[0]) <= 1 and abs(tight[1] - padded[1]) <= 2
    assert tight[0] > 36  # the formula fills the height but for the margins (64 / 1.5 = 42)
    unframed = extent(prepare(formula(pad=80), margin=None))
    assert unframed[0] < 20  # a fifth of a 220-px-high crop


def test_framing_keeps_its_margin_around_the_ink():
    top, bottom, left, right = frame_bounds(formula().astype(np.float32) / 255)
    # the outermost half percent of the ink does not count when locating it (dust), hence the slack
    assert abs(top + 60 * FRAME_MARGIN) <= 4 and abs(bottom - 60 * (1 + FRAME_MARGIN)) <= 4
    assert abs(left + 60 * FRAME_MARGIN) <= 4 and abs(right - 200 - 60 * FRAME_MARGIN) <= 4


def test_the_image_edge_is_not_drawn_as_a_stroke():
    """Paper darker than white (shade, tint): the margin added past a tight crop's edge stays empty."""
    shaded = (formula().astype(np.float32) * 0.6).astype(np.uint8)  # paper 153, ink 0
    x = prepare(shaded)
    rows = np.nonzero(x.max(axis=1) > 0.3)[0]
    cols = np.nonzero(x.max(axis=0) > 0.3)[0]
    assert rows.min() >= 8 and cols.min() >= 8  # nothing at the canvas edges: only the formula
    assert extent(x) == extent(prepare(formula()))


def test_a_speck_of_dust_does_not_move_the_frame():
    clean, dusty = prepare(formula(pad=80)), prepare(formula(pad=80, speck=True))
    assert np.abs(clean - dusty).mean() < 0.01


def test_an_image_without_ink_is_left_whole():
    blank = np.full((40, 90), 0.8, np.float32)
    assert frame_bounds(blank) == (0, 40, 0, 90)


def dust_below(img, specks=4, size=6):
    """img over as much paper again below it, with specks of dust scattered across that paper:
    together more ink than the framing's trim ignores."""
    h, w = img.shape
    dusty = np.pad(img, ((0, h), (0, 0)), constant_values=255)
    for k in range(specks):
        y, x = h + (k * 53) % (h - size), (k + 1) * w // (specks + 1)
        dusty[y:y + size, x:x + size] = 0
    return dusty


def test_specks_far_below_a_formula_do_not_shrink_it():
    img = formula(pad=40)
    clean, dusty = extent(prepare(img)), extent(prepare(dust_below(img)))
    assert abs(dusty[1] - clean[1]) <= 2  # the formula's width in the input: the same size


def test_without_the_stray_mark_rule_dust_shrinks_the_formula(monkeypatch):
    """The test above can fail: framing by the ink's trimmed extent alone takes the dust in."""
    from training.mathsnap_train import preprocess
    monkeypatch.setattr(preprocess, "without_stray_marks", lambda ink: ink)
    img = formula(pad=40)
    assert extent(prepare(dust_below(img)))[1] < extent(prepare(img))[1] / 2


def noisy(img, sigma, seed=0):
    """img with the sensor noise of an ordinary phone photo (sigma in 0..1 of the grey range)."""
    rng = np.random.default_rng(seed)
    return np.clip(img + rng.normal(0, sigma * 255, img.shape), 0, 255).astype(np.uint8)


def test_sensor_noise_does_not_grow_the_frame():
    """Noisy paper is faint ink everywhere in the ink map; it must not pull the frame out to the crop's
    edge and draw the formula smaller (it did: x1.5 the frame's height at sigma 0.01)."""
    clean = extent(prepare(formula(pad=40)))
    for sigma in (0.01, 0.03, 0.05):
        assert abs(extent(prepare(noisy(formula(pad=40), sigma)))[0] - clean[0]) <= 2, sigma


def test_padding_follows_a_shadow_along_the_edge():
    """Paper that darkens along a tight crop's edge: the margin continues the gradient, so the step
    a single level per side made (read as a bar) is gone."""
    img = formula().astype(np.float32)
    shade = np.linspace(1.0, 0.45, img.shape[1])[None, :]
    x = prepare((img * shade).astype(np.uint8))
    rows = np.nonzero(x.max(axis=1) > 0.3)[0]
    assert rows.min() >= 8  # nothing drawn in the margin above the formula
    assert extent(x) == extent(prepare(formula()))
