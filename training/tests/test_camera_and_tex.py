"""Real TeX rendering, the camera model and the printed-photo dev set built from them."""
import os

import numpy as np
import pytest

from training.datagen import camera, tex_render
from training.devsets import printed_photo

needs_tex = pytest.mark.skipif(not tex_render.available() and not os.environ.get("CI"),
                               reason="latex/dvipng not installed (scripts/setup.sh installs them)")


@needs_tex
def test_tex_renders_a_batch_and_names_the_formula_it_refuses():
    out = tex_render.render_batch([r"\frac{a}{b}", r"\notacommand x", r"\sqrt{x^2+1}"], "cm", dpi=300)
    assert out[0][0] is not None and out[2][0] is not None
    assert out[1][0] is None  # TeX's error names that line: the page is not trusted
    img, x_height = out[0]
    assert img.dtype == np.uint8 and img.min() < 64 and img.max() > 200 and 15 < x_height < 20


@needs_tex
def test_every_dev_family_renders():
    for family in tex_render.DEV_FAMILIES + tex_render.TRAIN_FAMILIES:
        (img, _), = tex_render.render_batch([r"\int_0^1 x\,dx"], family, dpi=200)
        assert img is not None, family


@needs_tex
def test_every_family_draws_every_glyph():
    """A family whose fonts are missing a glyph still typesets without an error, with the glyph left out
    (mathdesign's garamond draws 0.71 of Latin Modern's ink on this formula): each family's ink against
    Latin Modern's must stay in the range the working ones span (0.98-1.78)."""
    formula = [r"x^2+\frac{a}{b}=\sqrt{3}\alpha"]
    ink = {f: int((tex_render.render_batch(formula, f, dpi=200)[0][0] < 128).sum())
           for f in tex_render.DEV_FAMILIES + tex_render.TRAIN_FAMILIES}
    for family, amount in ink.items():
        assert 0.85 < amount / ink["lmodern"] < 2.0, family


def test_the_camera_keeps_the_formula_and_changes_the_photo():
    rng = np.random.default_rng(0)
    page = np.ones((80, 300, 3), np.float32)
    page[35:45, 20:280] = 0.05  # a bar of ink
    photo = camera.photograph(rng, page, 20.0)
    assert photo.dtype == np.float32 and photo.ndim == 3 and 0 <= photo.min() and photo.max() <= 1
    grey = photo.mean(axis=2)
    assert grey.max() - grey.min() > 0.3  # the ink is still there
    for condition in camera.SINGLE:
        img = camera.only(np.random.default_rng(1), page, 20.0, condition)
        assert img.shape != page.shape or not np.allclose(img, page), condition


@needs_tex
def test_the_dev_set_is_the_same_for_a_seed(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    printed_photo.build(str(a), 3, seed=5)
    printed_photo.build(str(b), 3, seed=5)
    rows = (a / "labels.tsv").read_text().splitlines()
    conditions = {r.split("\t")[2] for r in rows}
    assert conditions == {"clean", "photo", *camera.SINGLE} and len(rows) == 3 * len(conditions)
    for r in rows:
        name = r.split("\t")[0]
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def test_a_second_tex_pack_leaves_out_the_first_packs_formulas(tmp_path):
    from training.datagen.tex_pack import formulas, packed_labels
    from training.mathsnap_train.latex import canonical

    first = formulas(40, seed=7)
    (tmp_path / "synth").mkdir()
    (tmp_path / "synth" / "labels.tsv").write_text(
        "".join(f"tex_7_{i:07d}.png\t{canonical(f)}\thigh/printed\n" for i, f in enumerate(first)), encoding="utf-8")
    taken = packed_labels(str(tmp_path))
    assert taken == {canonical(f) for f in first}
    second = formulas(40, seed=7, exclude=taken)
    assert len(second) == 40 and not {canonical(f) for f in second} & taken
