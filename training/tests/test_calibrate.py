"""Confidence calibration: the fit recovers a known curve, and the levels count readings honestly."""
import numpy as np

from training.mathsnap_train.calibrate import FEATURES, HIGH, apply, choose_features, fit, reliability


def test_the_fit_recovers_the_weights_readings_were_drawn_from():
    rng = np.random.default_rng(0)
    n = 20000
    rows = [{"evidence": {"ln_score": float(np.log(rng.uniform(0.3, 1.0))), "weakest": float(-rng.exponential(1.0)),
                          "closest": float(rng.uniform(-1, 10)),
                          "ln_tokens": float(np.log(rng.integers(1, 60)))}} for _ in range(n)]
    truth = {"bias": 2.0, "weights": {"ln_score": 8.0, "weakest": 1.5, "closest": 0.0, "ln_tokens": -0.8}}
    for r, p in zip(rows, apply(truth, rows)):
        r["edit"] = 0 if rng.random() < p else 1
    got = fit(rows)
    assert list(got["weights"]) == list(FEATURES)
    assert abs(got["bias"] - 2.0) < 0.4
    for f, w in truth["weights"].items():
        assert abs(got["weights"][f] - w) < 0.25 * max(abs(w), 2.0), (f, got["weights"][f], w)


def test_the_first_calibrations_slope_is_a_weight_on_the_raw_score():
    rows = [{"evidence": {"ln_score": -0.2, "weakest": -1.0, "closest": 2.0, "ln_tokens": 2.0}}]
    old = apply({"slope": 12.0, "bias": 2.0}, rows)
    assert np.allclose(old, apply({"bias": 2.0, "weights": {"ln_score": 12.0}}, rows))
    assert np.allclose(old, 1 / (1 + np.exp(-(12.0 * -0.2 + 2.0))))


def test_features_that_buy_nothing_are_left_out():
    rng = np.random.default_rng(1)
    rows = [{"evidence": {"ln_score": float(np.log(rng.uniform(0.3, 1.0))), "weakest": float(-rng.exponential(1.0)),
                          "closest": float(rng.uniform(-1, 10)), "ln_tokens": float(np.log(rng.integers(1, 60)))}}
            for _ in range(3000)]
    truth = {"bias": 1.0, "weights": {"ln_score": 6.0, "closest": 0.5}}
    for r, p in zip(rows, apply(truth, rows)):
        r["edit"] = 0 if rng.random() < p else 1
    chosen, losses = choose_features(rows)
    assert chosen == ("ln_score", "closest"), (chosen, losses)


def test_the_engine_reports_the_features_the_fit_weighs():
    import os
    import re
    from training.mathsnap_train.latex import ROOT
    rs = open(os.path.join(ROOT, "src", "recognizer", "calibration.rs"), encoding="utf-8").read()
    names = re.search(r"const FEATURES: \[&'static str; \d+\] = \[([^\]]*)\]", rs).group(1)
    assert tuple(re.findall(r'"(\w+)"', names)) == FEATURES


def test_levels_count_readings_and_exact_ones():
    rows = [{"score": 0.95, "edit": 0}, {"score": 0.93, "edit": 1}, {"score": 0.7, "edit": 0}, {"score": None, "edit": 3}]
    table = reliability(rows, "t")
    assert table[1] == "| high | 2 | 50.0% | 50.0% |"
    assert table[2] == "| medium | 1 | 25.0% | 100.0% |"
    assert table[3] == "| low | 1 | 25.0% | 0.0% |"
    assert HIGH == 0.9


def test_sharpness_rewards_scores_that_separate_right_from_wrong():
    from training.mathsnap_train.calibrate import sharpness
    rows = [{"score": s, "edit": e} for s, e in ((0.9, 0), (0.8, 0), (0.3, 2), (None, 1))]
    assert sharpness(rows).endswith("AUC 1.000")
    flipped = [{"score": s, "edit": e} for s, e in ((0.1, 0), (0.2, 0), (0.9, 2), (0.95, 1))]
    assert sharpness(flipped).endswith("AUC 0.000")
    loss = lambda text: float(text.split(",")[0].split()[-1])
    assert loss(sharpness(rows)) < loss(sharpness(flipped))


def test_the_app_reads_the_same_levels():
    import os
    import re
    from training.mathsnap_train.calibrate import LOW
    from training.mathsnap_train.latex import ROOT
    js = open(os.path.join(ROOT, "www", "lib", "formula.js"), encoding="utf-8").read()
    assert float(re.search(r"HIGH_CONFIDENCE = ([\d.]+)", js).group(1)) == HIGH
    assert float(re.search(r"LOW_CONFIDENCE = ([\d.]+)", js).group(1)) == LOW


def test_the_fit_applies_the_curve_as_the_engine_does():
    """tests/fixtures/calibration_cases.json: the cases src/recognizer/calibration.rs is tested against."""
    import json
    import os
    from training.mathsnap_train.latex import ROOT
    cases = json.load(open(os.path.join(ROOT, "tests", "fixtures", "calibration_cases.json")))["cases"]
    for case in cases:
        p = apply(case["calibration"], [{"evidence": case["evidence"]}])[0]
        assert abs(p - case["p"]) < 1e-6, case
