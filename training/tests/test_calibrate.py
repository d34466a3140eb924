"""Confidence calibration: the fit recovers a known curve, and the levels count readings honestly."""
import numpy as np

from training.mathsnap_train.calibrate import HIGH, apply, fit_platt, reliability


def test_platt_fit_recovers_the_curve_it_was_drawn_from():
    rng = np.random.default_rng(0)
    scores = rng.uniform(0.3, 1.0, 20000)
    exact = rng.random(20000) < apply(12.0, 2.0, scores)
    slope, bias = fit_platt(scores, exact)
    assert abs(slope - 12.0) < 1.0 and abs(bias - 2.0) < 0.3


def test_levels_count_readings_and_exact_ones():
    rows = [{"score": 0.95, "edit": 0}, {"score": 0.93, "edit": 1}, {"score": 0.7, "edit": 0}, {"score": None, "edit": 3}]
    table = reliability(rows, "t")
    assert table[1] == "| high | 2 | 50.0% | 50.0% |"
    assert table[2] == "| medium | 1 | 25.0% | 100.0% |"
    assert table[3] == "| low | 1 | 25.0% | 0.0% |"
    assert HIGH == 0.9


def test_the_app_reads_the_same_levels():
    import os
    import re
    from training.mathsnap_train.calibrate import LOW
    from training.mathsnap_train.latex import ROOT
    js = open(os.path.join(ROOT, "www", "lib", "formula.js"), encoding="utf-8").read()
    assert float(re.search(r"HIGH_CONFIDENCE = ([\d.]+)", js).group(1)) == HIGH
    assert float(re.search(r"LOW_CONFIDENCE = ([\d.]+)", js).group(1)) == LOW
