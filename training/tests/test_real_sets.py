"""Real labelled crops (train.py --real): an archive in the app's export format and the same files as a
folder come back row for row (canonical labels, identical pixels); bad rows and duplicates are
reported and skipped; and `mathsnap eval --single` reads the unzipped archive's rows back.

A real exported archive is read too when MATHSNAP_REAL_EXPORT names one (never required)."""
import io
import json
import os
import subprocess
import zipfile

import cv2
import numpy as np
import pytest

from training.mathsnap_train.data import Mixture, Vocab, read_labels
from training.mathsnap_train.latex import ROOT, canonical
from training.mathsnap_train.real_sets import label_problem, load_source, real_set

CROHME_TRAIN = os.path.join(ROOT, "..", "shared", "data", "crohme", "train")
BIN = os.environ.get("MATHSNAP_BIN", os.path.join(ROOT, "target", "release", "mathsnap"))


def real_crops(vocab, n=3):
    """(crop BGR, label) cut from CROHME *train* images (the ink's box plus a margin), labels as CROHME
    spells them (not canonical); drawn crops when the shared data is absent."""
    out = []
    labels = os.path.join(CROHME_TRAIN, "labels.tsv")
    if os.path.exists(labels):
        for name, latex, _ in read_labels(labels):
            img = cv2.imread(os.path.join(CROHME_TRAIN, name), cv2.IMREAD_COLOR)
            if img is None or vocab.encode(latex) is None or canonical(latex) == latex.strip():
                continue  # prefer labels the canonicaliser changes: the round trip must canonicalise them
            ys, xs = np.nonzero(img.min(axis=2) < 128)
            if len(xs) == 0:
                continue
            y0, y1, x0, x1 = max(ys.min() - 6, 0), ys.max() + 7, max(xs.min() - 6, 0), xs.max() + 7
            out.append((np.ascontiguousarray(img[y0:y1, x0:x1]), latex))
            if len(out) == n:
                return out
    for k, latex in enumerate(["x^{2}+1", r"\dfrac{a}{b}", r"\left(y-3\right)"][:n - len(out)]):
        img = np.full((60, 200, 3), 255, np.uint8)
        cv2.putText(img, f"formula {k}", (8, 40), cv2.FONT_HERSHEY_SIMPLEX, 1.0, (0, 0, 0), 2)
        out.append((img, latex))
    return out


def png(img):
    ok, buf = cv2.imencode(".png", img)
    assert ok
    return buf.tobytes()


def export_archive(path, crops, bad=True):
    """A .zip in the app's export format: correction-NNNN.png at the root, labels.tsv, manifest.json.
    With `bad`: a label with an unknown token, a row whose image is missing, a duplicate image."""
    rows, files = [], {}
    for k, (img, latex) in enumerate(crops, 1):
        name = f"correction-{k:04d}.png"
        files[name] = png(img)
        rows.append((name, latex))
    if bad:
        files["correction-0101.png"] = png(255 - crops[0][0])
        rows.append(("correction-0101.png", r"x+\foobar"))  # \foobar: no such token
        rows.append(("correction-0102.png", "x^2"))  # never added to the archive
        files["correction-0103.png"] = files["correction-0001.png"]  # the same crop exported twice
        rows.append(("correction-0103.png", crops[0][1]))
    manifest = {"format": "mathsnap-corrections", "version": 1, "app_version": "test", "model_version": "test",
                "created": "2026-12-03T00:00:00Z", "count": len(rows),
                "entries": [{"image": n, "latex_before": "", "latex_after": l, "score": 0.5, "model_version": "test",
                             "time": "2026-12-03T00:00:00Z"} for n, l in rows]}
    with zipfile.ZipFile(path, "w") as z:
        for name, data in files.items():
            z.writestr(name, data)
        z.writestr("labels.tsv", "".join(f"{n}\t{l}\n" for n, l in rows))
        z.writestr("manifest.json", json.dumps(manifest))
    return rows


def test_an_exported_archive_comes_back_row_for_row(tmp_path, capsys):
    vocab = Vocab()
    crops = real_crops(vocab)
    archive = tmp_path / "corrections.zip"
    export_archive(archive, crops)
    real, (report,) = real_set([str(archive)], vocab, extract_root=str(tmp_path / "cache"))
    assert len(real) == len(crops)
    for (path, ids, latex, _), (img, label) in zip(real.items, crops):
        assert latex == canonical(label)  # trained in canonical form
        assert ids == vocab.encode(label)
        assert np.array_equal(cv2.imread(path, cv2.IMREAD_COLOR), img)  # the same pixels
    assert (report.rows, report.kept, len(report.bad), len(report.duplicates)) == (len(crops) + 3, len(crops), 2, 1)
    reasons = dict(report.bad)
    assert "outside the vocabulary" in reasons["correction-0101.png"] and "\\foobar" in reasons["correction-0101.png"]
    assert "missing image" in reasons["correction-0102.png"]
    assert "correction-0001.png" in dict(report.duplicates)["correction-0103.png"]
    err = capsys.readouterr().err
    assert f"{len(crops) + 3} rows, {len(crops)} kept, 2 bad, 1 duplicates" in err
    assert "correction-0101.png: tokens outside the vocabulary" in err

    # the trainer draws from it like any other set
    xs, ys = Mixture([(real, 1.0)], seed=0).batch(4, 150)
    assert xs.shape == (4, 1, 64, 256) and all(y in [it[1] for it in real.items] for y in ys)


def test_a_folder_reads_as_its_zip_and_duplicates_across_sources_are_dropped(tmp_path, capsys):
    vocab = Vocab()
    crops = real_crops(vocab)
    archive = tmp_path / "corrections.zip"
    export_archive(archive, crops)
    folder = tmp_path / "unzipped"
    zipfile.ZipFile(archive).extractall(folder)
    from_zip, _ = load_source(str(archive), vocab, extract_root=str(tmp_path / "cache"))
    from_dir, report = load_source(str(folder), vocab)
    assert [i[1:] for i in from_dir] == [i[1:] for i in from_zip]
    assert [os.path.dirname(i[0]) for i in from_dir] == [str(folder)] * len(crops)  # read in place
    # the folder given after its own zip: every good row is a duplicate of the zip's
    real, (_, second) = real_set([str(archive), str(folder)], vocab, extract_root=str(tmp_path / "cache"))
    assert len(real) == len(crops) and second.kept == 0 and len(second.duplicates) == len(crops) + 1
    # a zipped folder (labels.tsv one level down) reads the same
    nested = tmp_path / "nested.zip"
    with zipfile.ZipFile(archive) as src, zipfile.ZipFile(nested, "w") as dst:
        for info in src.infolist():
            dst.writestr("export/" + info.filename, src.read(info))
    from_nested, _ = load_source(str(nested), vocab, extract_root=str(tmp_path / "cache"))
    assert [i[1:] for i in from_nested] == [i[1:] for i in from_zip]


def test_bad_labels_and_sources_are_refused_with_a_reason(tmp_path):
    vocab = Vocab()
    for latex, why in [("", "empty"), (r"\frac{1}{2", "unbalanced"), ("a}b", "closes nothing"),
                       (r"\begin{cases}a\end{matrix}", "does not close"), (r"\begin{matrix}a", "never closed"),
                       ("x + 한", "outside the vocabulary"), ("x" * 200, "over the")]:
        ids, reason = label_problem(latex, vocab)
        assert ids is None and why in reason, (latex, reason)
    assert label_problem(r"\dfrac12", vocab) == (vocab.encode(r"\frac{1}{2}"), None)
    d = tmp_path / "batch"
    d.mkdir()
    (d / "labels.tsv").write_text("no tab here\n../outside.png\tx\nnot-an-image.png\tx\n\n", encoding="utf-8")
    (d / "not-an-image.png").write_bytes(b"hello")
    items, report = load_source(str(d), vocab)
    assert items == [] and report.rows == 3
    assert [r for _, r in report.bad] == ["not a row (no tab between name and label)", "image name outside the folder",
                                          "not an image OpenCV can read"]
    with pytest.raises(ValueError, match="labels.tsv"):
        load_source(str(tmp_path / "empty-dir-that-is-missing"), vocab)
    (tmp_path / "not.zip").write_bytes(b"PK but not really")
    with pytest.raises(ValueError):
        load_source(str(tmp_path / "not.zip"), vocab)


def test_eval_reads_the_unzipped_archive_row_for_row(tmp_path):
    if not os.path.exists(BIN):
        pytest.skip(f"{BIN} is not built (cargo build --release --bin mathsnap; `make test` builds it first)")
    vocab = Vocab()
    archive = tmp_path / "corrections.zip"
    rows = export_archive(archive, real_crops(vocab))
    folder = tmp_path / "unzipped"
    zipfile.ZipFile(archive).extractall(folder)
    predictions = tmp_path / "predictions.jsonl"
    run = subprocess.run([BIN, "eval", "--single", str(folder), "--predictions", str(predictions)],
                         cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert f"n={len(rows)} " in run.stdout
    got = [json.loads(l) for l in predictions.read_text(encoding="utf-8").splitlines()]
    assert [(g["image"], g["truth"]) for g in got] == rows
    assert "correction-0102.png" in run.stderr  # the missing image is named


def test_a_real_exported_archive_loads_when_one_is_given(tmp_path):
    sample = os.environ.get("MATHSNAP_REAL_EXPORT", "")
    if not os.path.exists(sample):
        pytest.skip("MATHSNAP_REAL_EXPORT names no exported archive (optional)")
    vocab = Vocab()
    out = io.StringIO()
    real, (report,) = real_set([sample], vocab, extract_root=str(tmp_path), out=out)
    assert report.rows == report.kept + len(report.bad) + len(report.duplicates)
    assert len(real) == report.kept
    for path, ids, latex, _ in real.items:
        assert cv2.imread(path) is not None and vocab.encode(latex) == ids
