"""The commercial-use option (`train.py --commercial-ok`): CROHME (research and non-commercial use only)
gets no share of the training samples, and a pack drawn with its glyph bank is refused (MODEL_CARD,
'Data licences')."""
import json

import pytest

from training.mathsnap_train.train import refuse_noncommercial, training_mixture


class Named(list):
    def __init__(self, name, n=3):
        super().__init__(range(n))
        self.name = name


CROHME, SYNTH_A, SYNTH_B, TEX, REAL = (Named(n) for n in ("crohme", "synth-a", "synth-b", "tex", "real"))


def shares(parts):
    return {s.name: round(w, 6) for s, w in parts}


def test_crohme_takes_its_share_and_the_synthetic_sets_split_the_rest():
    parts = training_mixture(CROHME, [SYNTH_A, SYNTH_B], [], None, crohme_share=0.45, real_share=0.1)
    assert shares(parts) == {"crohme": 0.45, "synth-a": 0.275, "synth-b": 0.275}


def test_commercial_use_leaves_crohme_out_and_gives_its_share_to_the_synthetic_sets():
    parts = training_mixture(CROHME, [SYNTH_A, SYNTH_B], [(TEX, 0.25)], REAL, crohme_share=0.45, real_share=0.1,
                             commercial_ok=True)
    assert "crohme" not in shares(parts)
    assert shares(parts) == {"synth-a": 0.3375, "synth-b": 0.3375, "tex": 0.225, "real": 0.1}
    assert sum(w for _, w in parts) == pytest.approx(1.0)


def test_extras_and_real_crops_take_their_weight_and_the_rest_shrink_in_proportion():
    parts = training_mixture(CROHME, [SYNTH_A], [(TEX, 0.25)], REAL, crohme_share=0.4, real_share=0.2)
    assert shares(parts) == {"crohme": 0.24, "synth-a": 0.36, "tex": 0.2, "real": 0.2}
    empty_real = training_mixture(CROHME, [SYNTH_A], [], Named("real", 0), crohme_share=0.4, real_share=0.2)
    assert shares(empty_real) == {"crohme": 0.4, "synth-a": 0.6}


def test_without_a_synthetic_set_crohme_is_all_and_commercial_use_has_nothing_to_train_on():
    assert shares(training_mixture(CROHME, [], [], None, crohme_share=0.45, real_share=0.1)) == {"crohme": 1.0}
    with pytest.raises(ValueError, match="no synthetic training set"):
        training_mixture(CROHME, [], [(TEX, 0.25)], None, crohme_share=0.45, real_share=0.1,
                         commercial_ok=True)


def test_a_pack_drawn_with_crohmes_glyph_bank_is_refused(tmp_path):
    clean, banked = tmp_path / "clean", tmp_path / "banked"
    for directory, bank in ((clean, None), (banked, "/work/cache/glyphs")):
        directory.mkdir()
        (directory / "pack.json").write_text(json.dumps({"glyph_bank": bank, "synth": 10}))
    refuse_noncommercial(["", str(clean), str(tmp_path / "no-pack-json")])
    with pytest.raises(ValueError, match="banked was drawn with CROHME's glyph bank"):
        refuse_noncommercial([str(clean), str(banked)])


def test_a_pack_whose_licence_cannot_be_read_is_refused_by_name(tmp_path):
    (tmp_path / "pack.json").write_text("{not json")
    with pytest.raises(ValueError, match="pack.json cannot be read"):
        refuse_noncommercial([str(tmp_path)])
