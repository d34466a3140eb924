"""width_buckets.py: which crops the input canvas shrinks, and by how much."""
import numpy as np

from training.mathsnap_train.width_buckets import bucket_of, shrink, table


def page_with_ink(h, w, ink_h, ink_w):
    g = np.full((h, w), 255, np.uint8)
    top, left = (h - ink_h) // 2, (w - ink_w) // 2
    g[top:top + ink_h, left:left + ink_w] = 0
    return g


def test_a_long_formula_is_shrunk_and_a_short_one_is_not():
    assert shrink(page_with_ink(100, 100, 40, 60)) == 1.0
    long = shrink(page_with_ink(100, 700, 20, 600))
    assert 0.1 < long < 0.5 and bucket_of(long) == "shrunk below 1/2"
    assert bucket_of(0.7) == "shrunk to 2/3 or more" and bucket_of(0.6) == "shrunk to 1/2-2/3"


def test_the_table_counts_exact_readings(tmp_path):
    import cv2
    cv2.imwrite(str(tmp_path / "a.png"), page_with_ink(100, 100, 40, 60))
    cv2.imwrite(str(tmp_path / "b.png"), page_with_ink(100, 700, 20, 600))
    lines = table([{"image": "a.png", "edit": 0}, {"image": "b.png", "edit": 2}], str(tmp_path))
    assert "| fit at full height | 50% | 100.0% |" in lines and "| shrunk below 1/2 | 50% | 0.0% |" in lines
