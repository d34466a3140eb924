"""The glyph bank: one-line CROHME formulas cut into labelled glyphs, and the renderer drawing them."""
import json

import cv2
import numpy as np
import pytest

from training.datagen import glyph_bank
from training.datagen.make_rec import render_coverage, sample_rngs
from training.datagen import spec as spec_mod
from training.datagen.renderer import Renderer

MINUS = glyph_bank.MINUS


def page(*strokes):
    img = np.full((60, 200), 255, np.uint8)
    for kind, a, b in strokes:
        if kind == "line":
            cv2.line(img, a, b, 0, 2)
        else:
            cv2.circle(img, a, b, 0, -1)
    return img


def test_pieces_overlapping_along_the_line_are_one_glyph_in_reading_order():
    # "i = x": a stem and its dot, two bars, two crossing strokes
    img = page(("line", (20, 25), (20, 50)), ("dot", (20, 15), 2),
               ("line", (60, 30), (90, 30)), ("line", (60, 40), (90, 40)),
               ("line", (120, 20), (145, 50)), ("line", (145, 20), (120, 50)))
    boxes, _ = glyph_bank.ink_groups(img)
    assert len(boxes) == 3
    assert [b[0] < 40 for b in boxes] == [True, False, False] and boxes[1][0] >= 58 and boxes[2][0] >= 118
    pieces = glyph_bank.cut(img, ["i", "=", "x"])
    assert [k for k, _ in pieces] == ["i", "=", "x"]
    i_alpha = pieces[0][1]
    assert i_alpha.shape[0] > 35 and i_alpha.max() == 255   # stem and dot together


def test_formulas_that_cannot_be_cut_reliably_are_skipped():
    img = page(("line", (20, 40), (60, 40)), ("line", (100, 20), (100, 50)))   # a flat piece, a tall one
    assert glyph_bank.cut(img, ["1"]) is None                     # counts differ
    assert glyph_bank.cut(img, ["a", "1"]) is None                # a flat piece cannot be a letter
    assert glyph_bank.cut(img, ["1", MINUS]) is None              # nor a tall one a minus
    assert [k for k, _ in glyph_bank.cut(img, [MINUS, "1"])] == [MINUS, "1"]


def test_writer_comes_from_the_file_name():
    assert glyph_bank.writer_of("101_Fabricio") == "Fabricio"
    assert glyph_bank.writer_of("2009210-947-42") == "2009210-947"
    assert glyph_bank.writer_of("formulaire039-equation074") == "formulaire039"


def test_layout_keys_are_visible_glyphs_only():
    with Renderer() as r:
        # \sin x carries an invisible function-application operator, which is no glyph
        assert r.keys(r"\sin x=-2") == ["s", "i", "n", "x", "=", MINUS, "2"]


def tiny_bank(path):
    """A bank whose only glyph is a solid block for `x`: where it is drawn, the ink fills its box."""
    block = np.zeros((40, 30, 4), np.uint8)
    block[:, :, 3] = 255
    cv2.imwrite(str(path / "000000.png"), block)
    (path / "index.json").write_text(json.dumps({"glyphs": [{"k": "x", "w": "w1", "f": "000000.png", "pw": 30, "ph": 40}]}))
    return str(path)


def solid_share(cov):
    ys, xs = np.nonzero(cov > 0.5)
    box = cov[ys.min():ys.max() + 1, xs.min():xs.max() + 1]
    return float((box > 0.5).mean())


def test_hand_mode_draws_the_banks_glyph_and_falls_back_for_others(tmp_path):
    bank = tiny_bank(tmp_path)
    style = {"mode": "hand", "fonts": {}, "stroke": 0, "slant": 0, "jitter": 0, "rotate": 0, "drift": 0,
             "wobble": 0, "baseline": 0, "seed": 1, "glyphs": bank, "glyphShare": 1.0}
    with Renderer() as r:
        assert solid_share(r.render("x", style, em=60)) > 0.9          # the block
        assert solid_share(r.render("x", {**style, "glyphs": None}, em=60)) < 0.6   # the outline
        assert solid_share(r.render("y", style, em=60)) < 0.6          # not in the bank: the outline


def test_render_coverage_with_a_bank_is_deterministic(tmp_path):
    bank = tiny_bank(tmp_path)
    spec = spec_mod.load()
    covs = []
    with Renderer() as r:
        for _ in range(2):
            rr, rng = sample_rngs(3, "train", 5)
            cov, label, face = render_coverage(r, spec, "train", "middle", "handwritten", rr, rng, bank)
            covs.append(cov)
            assert face == "glyphs" and cov.max() > 0.5
        rr, rng = sample_rngs(3, "train", 5)
        _, _, face = render_coverage(r, spec, "train", "middle", "printed", rr, rng, bank)
        assert face != "glyphs"        # print is never drawn in handwriting
        rr, rng = sample_rngs(3, "train", 5)
        _, _, face = render_coverage(r, spec, "train", "middle", "handwritten", rr, rng, bank, glyph_share=0.0)
        assert face != "glyphs"        # a share of none leaves the fonts and outlines
    assert np.array_equal(covs[0], covs[1])


@pytest.mark.skipif(not glyph_bank.os.path.exists(glyph_bank.os.path.join(glyph_bank.SHARED, "crohme", "train")),
                    reason="needs ../shared/data/crohme/train")
def test_bank_from_crohme_train(tmp_path):
    glyph_bank.main(["--out", str(tmp_path), "--limit", "60"])
    index = json.loads((tmp_path / "index.json").read_text(encoding="utf-8"))["glyphs"]
    assert index and all((tmp_path / g["f"]).exists() for g in index)
    assert "\u2061" not in {g["k"] for g in index}
