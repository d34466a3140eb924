"""The first-view gate's level: the lowest at and above which keeping sure first-view readings loses no
right reading against reading every crop with every view."""
from training.mathsnap_train.view_gate import choose, gated, table


def rows(spec):
    """{name: (first view right, first view score, every view right)} -> (first, every) predictions."""
    first = {k: {"image": k, "edit": 0 if fr else 1, "score": s} for k, (fr, s, _) in spec.items()}
    every = {k: {"image": k, "edit": 0 if er else 1, "score": 0.5} for k, (_, _, er) in spec.items()}
    return first, every


def test_gated_keeps_first_view_readings_from_the_level_up():
    first, every = rows({"a": (True, 0.95, True), "b": (False, 0.7, True), "c": (True, 0.4, False)})
    assert gated(first, every, 0.9) == (2, 1)   # a kept (right), b and c every view: right, wrong
    assert gated(first, every, 0.6) == (1, 2)   # b kept: wrong where every view was right
    assert gated(first, every, 0.3) == (2, 3)   # c kept: right where every view was wrong


def test_choose_wants_no_loss_at_every_level_above_too():
    # at 0.5 the gate happens to break even (b lost, c won), but at 0.6 it loses: 0.7 is chosen
    first, every = rows({"a": (True, 0.95, True), "b": (False, 0.65, True), "c": (True, 0.55, False),
                         "d": (True, 0.3, True)})
    assert gated(first, every, 0.5)[0] == gated(first, every, 0.99)[0]
    assert choose(first, every, levels=[0.5, 0.6, 0.7, 0.8, 0.9]) == 0.7


def test_no_level_when_even_the_highest_loses():
    first, every = rows({"a": (False, 0.99, True), "b": (True, 0.2, True)})
    assert choose(first, every, levels=[0.5, 0.9]) is None


def test_a_blank_reading_has_no_score_and_is_never_kept():
    first, every = rows({"a": (True, 0.95, True)})
    first["b"] = {"image": "b", "edit": 3, "score": None}
    every["b"] = {"image": "b", "edit": 0, "score": 0.4}
    assert gated(first, every, 0.5) == (2, 1)


def test_a_kind_of_crop_may_not_pay_for_another():
    # overall the gate at 0.5 breaks even, but the printed crops lose two readings to handwriting's gain
    spec = {"tex/1": (False, 0.6, True), "tex/2": (False, 0.6, True), "tex/3": (True, 0.9, True),
            "hw/1": (True, 0.6, False), "hw/2": (True, 0.6, False), "hw/3": (False, 0.2, False)}
    first, every = rows(spec)
    assert gated(first, every, 0.5)[0] == sum(r["edit"] == 0 for r in every.values())
    assert choose(first, every, levels=[0.5, 0.7]) == 0.7
    assert any("(loses)" in line for line in table(first, every, levels=[0.5, 0.7]))
