"""The CROHME-train hold-out file: the trainer's hold-out exactly, never a training row, the same every time."""
from training.mathsnap_train.data import crohme_train_rows
from training.mathsnap_train.holdout import write_holdout


def _crohme(tmp_path, n=20):
    d = tmp_path / "crohme"
    d.mkdir()
    (d / "labels.tsv").write_text("".join(f"img{k:02d}.png\tx^{{{k}}}+1\n" for k in range(n)), encoding="utf-8")
    return str(d)


def test_holdout_file_is_the_trainers_holdout_and_disjoint_from_training(tmp_path):
    d = _crohme(tmp_path)
    out = tmp_path / "holdout.tsv"
    assert write_holdout(str(out), d, holdout=5) == 5
    written = [line.split("\t")[0] for line in out.read_text(encoding="utf-8").splitlines()]
    train, held = crohme_train_rows(5, d)
    assert written == [r[0] for r in held]
    assert not set(written) & {r[0] for r in train}
    assert len(train) + len(held) == 20


def test_holdout_is_the_same_on_every_call(tmp_path):
    d = _crohme(tmp_path)
    a, b = tmp_path / "a.tsv", tmp_path / "b.tsv"
    write_holdout(str(a), d, holdout=7)
    write_holdout(str(b), d, holdout=7)
    assert a.read_text(encoding="utf-8") == b.read_text(encoding="utf-8")


def test_novel_formulas_are_the_holdout_items_whose_formula_training_never_has(tmp_path):
    from training.mathsnap_train.data import Vocab, crohme_train_split, novel_formulas
    d = tmp_path / "crohme"
    d.mkdir()
    # formulas 0-9 each written twice (two writers), 10-19 once: a hold-out of 8 takes some of each
    rows = [f"{k}_{w}.png\tx^{{{k}}}+1\n" for k in range(10) for w in ("ann", "bo")]
    rows += [f"{k}_ann.png\tx^{{{k}}}+1\n" for k in range(10, 20)]
    (d / "labels.tsv").write_text("".join(rows), encoding="utf-8")
    train, held = crohme_train_split(Vocab(), holdout=8, directory=str(d))
    novel = novel_formulas(train, held)
    in_training = {r[2].replace(" ", "") for r in train.items}
    assert novel == [k for k, item in enumerate(held.items) if item[2].replace(" ", "") not in in_training]
    assert 0 < len(novel) < len(held), "the shuffle puts both kinds in the hold-out"
