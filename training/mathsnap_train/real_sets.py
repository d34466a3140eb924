"""Real labelled crops for training: user corrections exported by the app (a .zip) and labelling
batches (`mathsnap read --save-crops DIR`, or any folder laid out the same way).

A source is a folder holding `labels.tsv` (`<image name>\\t<latex>[\\t<cell>]` per line, no header, the
images beside it: the layout `mathsnap eval DIR` reads) or a .zip of one (the app's export: images,
labels.tsv and manifest.json at the archive root; an archive holding one folder with them is read too).
A zip is extracted, only the images its labels.tsv names, into a folder of the cache named by the
archive's hash (`$MATHSNAP_CACHE/real/<sha256 prefix>/`), so training reads it like any other set.

Every row is checked; a bad row is reported and skipped, never trained on:
- a line without a tab, an empty name or label, a name that leaves the folder (`..`, absolute);
- a missing, unreadable or over-large image (OpenCV must decode it);
- a label that fails canonicalisation (unbalanced braces, `\\begin`/`\\end` that do not pair, nothing left)
  or, in canonical form (training/mathsnap_train/latex.py), holds a token outside the trainer's
  vocabulary (spec/vocab.txt through data.Vocab) or more than data.MAX_TOKENS tokens.
Duplicates are skipped too: **rows whose image files have identical bytes (sha256)**, within a source or
across sources, are one sample, whatever their names: the same correction exported twice (overlapping
exports, a folder and its own zip) would otherwise count twice. The first source given wins; a
duplicate whose label differs says so in its reason. Rows with the same name and label but different
image bytes are different images and both kept.

Each source gets one summary line on stderr (rows, kept, bad, duplicates) and its first few reasons.
Labels are trained in canonical form. The `real` set is drawn with the plain augmentation (not
CROHME's scan-specific strokes and photo redraw: these crops are photos already).
"""
import hashlib
import json
import os
import sys
import zipfile

import cv2
import numpy as np

from .data import CACHE, MAX_TOKENS, LabelledSet
from .latex import canonical, canonical_tokens, raw_tokens

# formats of manifest.json this loader knows (the app's export, the CLI's batches); another is warned about
KNOWN_FORMATS = ("mathsnap-corrections", "mathsnap-crops")
MAX_IMAGE_BYTES = 20 << 20  # one crop; a bigger member of an archive is refused, not extracted
SHOW_REASONS = 5


class SourceReport:
    """What loading one source found: row counts and (name, reason) for each skipped row."""

    def __init__(self, source):
        self.source, self.rows, self.kept, self.bad, self.duplicates = source, 0, 0, [], []

    def line(self):
        return (f"real set {self.source}: {self.rows} rows, {self.kept} kept, {len(self.bad)} bad, "
                f"{len(self.duplicates)} duplicates")

    def print(self, out=None, show=SHOW_REASONS):
        out = out or sys.stderr
        print(self.line(), file=out)
        skipped = self.bad + self.duplicates
        for name, reason in skipped[:show]:
            print(f"  {name}: {reason}", file=out)
        if len(skipped) > show:
            print(f"  ... and {len(skipped) - show} more", file=out)


def label_problem(latex, vocab):
    """(canonical token ids, None) for a usable label, or (None, why not)."""
    if not latex.strip():
        return None, "empty label"
    raw = raw_tokens(latex)
    depth = 0
    for t in raw:
        depth += (t == "{") - (t == "}")
        if depth < 0:
            return None, "fails canonicalisation: a '}' closes nothing"
    if depth:
        return None, "fails canonicalisation: unbalanced braces"
    try:
        tokens = canonical_tokens(latex)
    except Exception as e:  # the canonicaliser is not meant to raise; a label that makes it is bad
        return None, f"fails canonicalisation: {type(e).__name__}: {e}"
    envs = []
    for t in tokens:
        if t.startswith("\\begin{"):
            envs.append(t[len("\\begin{"):-1])
        elif t.startswith("\\end{"):
            if not envs or envs.pop() != t[len("\\end{"):-1]:
                return None, f"fails canonicalisation: {t} does not close its \\begin"
    if envs:
        return None, f"fails canonicalisation: \\begin{{{envs[-1]}}} is never closed"
    if not tokens:
        return None, "nothing left in canonical form"
    unknown = sorted({t for t in tokens if t not in vocab.stoi or vocab.stoi[t] <= vocab.unk})
    if unknown:
        return None, "tokens outside the vocabulary: " + " ".join(unknown)
    if len(tokens) > MAX_TOKENS:
        return None, f"{len(tokens)} tokens, over the {MAX_TOKENS} the trainer takes"
    return [vocab.stoi[t] for t in tokens], None


def _safe_name(name):
    """A labels.tsv name that stays inside its folder (no absolute path, no `..`)."""
    parts = name.replace("\\", "/").split("/")
    return bool(name) and not name.startswith(("/", "\\")) and ":" not in parts[0] and ".." not in parts


def _parse_labels(text):
    """(line number, name, latex, cell) per non-empty line, or (line number, None, line, None) for a line
    that is not a row."""
    rows = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        parts = line.split("\t")
        if len(parts) < 2:
            rows.append((n, None, line, None))
        else:
            rows.append((n, parts[0].strip(), parts[1], parts[2] if len(parts) > 2 else ""))
    return rows


class _Folder:
    """Files of a source folder, read by name."""

    def __init__(self, directory):
        self.directory = directory

    def read(self, name):
        path = os.path.join(self.directory, name)
        if not os.path.isfile(path):
            return None, "missing image"
        if os.path.getsize(path) > MAX_IMAGE_BYTES:
            return None, "image over 20 MB"
        with open(path, "rb") as f:
            return f.read(), None

    def place(self, name, data):
        return os.path.join(self.directory, name)


class _Zip:
    """Members of an archive, read by name (relative to the folder holding its labels.tsv), extracted on demand."""

    def __init__(self, zf, prefix, out_dir):
        self.zf, self.prefix, self.out_dir = zf, prefix, out_dir
        self.members = {i.filename: i for i in zf.infolist() if not i.is_dir()}

    def read(self, name):
        info = self.members.get(self.prefix + name)
        if info is None:
            return None, "missing image (not in the archive)"
        if info.file_size > MAX_IMAGE_BYTES:
            return None, "image over 20 MB"
        try:
            return self.zf.read(info), None
        except Exception as e:  # a damaged member
            return None, f"unreadable in the archive: {e}"

    def place(self, name, data):
        path = os.path.join(self.out_dir, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if not (os.path.isfile(path) and os.path.getsize(path) == len(data)):
            with open(path + ".tmp", "wb") as f:
                f.write(data)
            os.replace(path + ".tmp", path)
        return path


def _zip_labels_prefix(zf):
    """Where labels.tsv lies in an archive: the root, or one folder (an exported folder zipped whole)."""
    names = [n for n in zf.namelist() if n == "labels.tsv" or n.endswith("/labels.tsv")]
    if "labels.tsv" in names:
        return ""
    top = [n for n in names if n.count("/") == 1]
    return top[0][:-len("labels.tsv")] if len(top) == 1 else None


def _sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def load_source(source, vocab, seen=None, extract_root=None):
    """Rows of one source (folder or .zip) as LabelledSet items (path, ids, canonical latex, cell), and
    its SourceReport. `seen` maps image sha256 -> "source/name" of rows already kept (shared across
    sources for deduplication; updated). Raises ValueError when the source itself cannot be read."""
    seen = {} if seen is None else seen
    report = SourceReport(source)
    zf = None
    if os.path.isdir(source):
        labels_path = os.path.join(source, "labels.tsv")
        try:
            text = open(labels_path, encoding="utf-8").read()
        except (OSError, UnicodeDecodeError) as e:
            raise ValueError(f"{source}: cannot read labels.tsv: {e}")
        manifest = _read_json(os.path.join(source, "manifest.json"))
        files = _Folder(source)
    elif zipfile.is_zipfile(source):
        zf = zipfile.ZipFile(source)
        prefix = _zip_labels_prefix(zf)
        if prefix is None:
            raise ValueError(f"{source}: no labels.tsv at the archive's root")
        try:
            text = zf.read(prefix + "labels.tsv").decode("utf-8")
        except (UnicodeDecodeError, zipfile.BadZipFile, OSError) as e:
            raise ValueError(f"{source}: cannot read labels.tsv: {e}")
        manifest = _zip_json(zf, prefix + "manifest.json")
        out_dir = os.path.join(extract_root or os.path.join(CACHE, "real"), _sha256_file(source)[:16])
        files = _Zip(zf, prefix, out_dir)
    else:
        raise ValueError(f"{source}: neither a folder with labels.tsv nor a .zip")
    if manifest is not None and (not isinstance(manifest, dict) or manifest.get("format") not in KNOWN_FORMATS):
        fmt = manifest.get("format") if isinstance(manifest, dict) else None
        print(f"real set {source}: manifest.json format {fmt!r} is not one of {KNOWN_FORMATS}; "
              "reading labels.tsv anyway", file=sys.stderr)

    items = []
    try:
        for n, name, latex, cell in _parse_labels(text):
            report.rows += 1
            where = name or f"line {n}"
            if name is None:
                report.bad.append((where, "not a row (no tab between name and label)"))
                continue
            if not _safe_name(name):
                report.bad.append((where, "image name outside the folder"))
                continue
            ids, why = label_problem(latex, vocab)
            if why:
                report.bad.append((where, why))
                continue
            data, why = files.read(name)
            if why:
                report.bad.append((where, why))
                continue
            if cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR) is None:
                report.bad.append((where, "not an image OpenCV can read"))
                continue
            digest = hashlib.sha256(data).hexdigest()
            if digest in seen:
                first, first_latex = seen[digest]
                differs = "" if first_latex == canonical(latex) else f", whose label differs ({first_latex})"
                report.duplicates.append((where, f"same image bytes as {first}{differs}"))
                continue
            seen[digest] = (f"{source}/{name}", canonical(latex))
            items.append((files.place(name, data), ids, canonical(latex), cell))
            report.kept += 1
    finally:
        if zf is not None:
            zf.close()
    return items, report


def _read_json(path):
    if not os.path.exists(path):
        return None
    try:
        return json.load(open(path, encoding="utf-8"))
    except (OSError, ValueError):
        return "unreadable"


def _zip_json(zf, member):
    try:
        return json.loads(zf.read(member).decode("utf-8"))
    except KeyError:
        return None
    except (ValueError, OSError):
        return "unreadable"


def real_set(sources, vocab, name="real", extract_root=None, out=None):
    """One LabelledSet of every source's good, deduplicated rows (in the order given), and the reports.
    Each source's summary goes to `out` (stderr); a source that cannot be read at all raises ValueError."""
    labelled = LabelledSet(name, "", [], vocab)
    seen, reports = {}, []
    for source in sources:
        items, report = load_source(source, vocab, seen, extract_root)
        labelled.items += items
        reports.append(report)
        report.print(out)
    return labelled, reports
