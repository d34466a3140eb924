"""Stray marks (training/mathsnap_train/stray_marks.py; the engine's src/stray_marks.rs has the same cases):
specks far from a formula are stray, its own small parts are not."""
import numpy as np

from training.mathsnap_train.stray_marks import stray_boxes, without_stray_marks


def formula():
    """Five symbols 12 px high in a row, as a framing probe sees a formula."""
    ink = np.zeros((64, 200), np.float32)
    for k in range(5):
        ink[10:22, 20 + 20 * k:30 + 20 * k] = 1
    return ink


def test_far_specks_are_stray_and_a_near_dot_and_a_spaced_minus_are_not():
    ink = formula()
    ink[55:57, 40:42] = 1   # a speck far below
    ink[50:52, 150:151] = 1  # another
    ink[6:8, 42:44] = 1     # the dot of an i
    ink[15:16, 1:5] = 1     # a minus sign written more than a symbol before the formula
    assert sorted(stray_boxes(ink)) == [(50, 52, 150, 151), (55, 57, 40, 42)]
    cleaned = without_stray_marks(ink)
    assert cleaned[55, 40] == 0 and cleaned[6, 42] == 1 and cleaned[15, 1] == 1


def test_a_small_denominator_far_below_a_long_bar_is_not_stray():
    ink = formula()
    ink[27:31, 15:195] = 1  # a long fraction bar: the largest piece
    ink[44:52, 100:108] = 1  # a small one-letter denominator well below it
    assert stray_boxes(ink) == []


def test_a_far_part_with_real_symbols_is_kept():
    ink = formula()
    ink[10:22, 170:180] = 1  # "+ C" after a wide space
    ink[40:52, 140:150] = 1  # a second line
    assert stray_boxes(ink) == []
