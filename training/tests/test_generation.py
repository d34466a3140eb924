"""End to end (node renderer included, a few seconds): make_rec and make_pages honour the contract."""
import collections
import filecmp
import json

import cv2

from training.datagen import make_pages, make_rec, spec as spec_mod
from training.datagen.labels import vocab
from training.mathsnap_train.latex import canonical, canonical_tokens


def run_rec(tmp_path, name, count=27, seed=3):
    out = tmp_path / name
    make_rec.main(["--split", "train", "--out", str(out), "--count", str(count), "--seed", str(seed)])
    rows = [line.rstrip("\n").split("\t") for line in open(out / "labels.tsv", encoding="utf-8")]
    return out, rows


def test_make_rec_contract_counts_and_determinism(tmp_path):
    out, rows = run_rec(tmp_path, "a")
    assert not (out / "labels.tsv.tmp").exists()
    cells = collections.Counter(cell for _, _, cell in rows)
    assert cells == collections.Counter({c: n for c, n in spec_mod.cell_counts(spec_mod.load(), "train", 27).items() if n})
    v = vocab()
    for name, label, cell in rows:
        img = cv2.imread(str(out / "images" / (name + ".png")), cv2.IMREAD_UNCHANGED)
        assert img is not None and img.ndim == 2 and min(img.shape) >= 8
        assert canonical(label) == label and all(t in v for t in canonical_tokens(label))
        assert len(cell.split("/")) == 3
    out2, rows2 = run_rec(tmp_path, "b")
    assert rows2 == rows
    assert all(filecmp.cmp(out / "images" / (n + ".png"), out2 / "images" / (n + ".png"), shallow=False) for n, _, _ in rows)


def test_make_pages_contract(tmp_path):
    out = tmp_path / "pages"
    make_pages.main(["--split", "val", "--out", str(out), "--count", "3", "--seed", "4"])
    pages = [json.loads(line) for line in open(out / "pages.jsonl", encoding="utf-8")]
    assert len(pages) == 3
    for p in pages:
        img = cv2.imread(str(out / "images" / p["image"]))
        mask = cv2.imread(str(out / "masks" / p["mask"]), cv2.IMREAD_UNCHANGED)
        assert img.shape[:2] == (p["height"], p["width"]) == mask.shape
        assert 1 <= len(p["formulas"]) <= 12
        assert [f["order"] for f in p["formulas"]] == list(range(len(p["formulas"])))
        for f in p["formulas"]:
            assert len(f["quad"]) == 4 and isinstance(f["inline"], bool)
            (x0, y0), (x1, y1), (x2, y2) = f["quad"][:3]
            # clockwise in image coordinates (y down): positive cross product of the first two edges
            assert (x1 - x0) * (y2 - y1) - (y1 - y0) * (x2 - x1) > 0
            assert canonical(f["latex"]) == f["latex"]


def test_resume_keeps_only_complete_page_lines(tmp_path):
    tmp = tmp_path / "pages.jsonl.tmp"
    tmp.write_text('{"image": "a.jpg"}\n{"image": "b.jpg"}\n{"image": "c.j', encoding="utf-8")
    assert [json.loads(x)["image"] for x in make_pages.finished_lines(str(tmp))] == ["a.jpg", "b.jpg"]
