"""Training samples for the recognizer: real handwriting (CROHME train) and the data engine's
synthetic crops, with geometric and photometric augmentation, turned into model inputs.

Evaluation sets (CROHME test2014, photos-dev) are never read here.
"""
import glob
import os
import random

import cv2
import numpy as np

from ..datagen import spec as dataset_spec
from ..datagen.compose import make_crop
from .latex import ROOT, canonical_tokens
from .preprocess import FRAME_MARGIN, WIDTH, pad_batch, prepare

SHARED = os.path.join(ROOT, "..", "shared", "data")
CACHE = os.environ.get("MATHSNAP_CACHE", os.path.join(ROOT, "..", "cache"))
MAX_TOKENS = 150


class Vocab:
    def __init__(self, path=os.path.join(ROOT, "spec", "vocab.txt")):
        self.itos = [l.rstrip("\n") for l in open(path, encoding="utf-8") if l.strip()]
        self.stoi = {t: i for i, t in enumerate(self.itos)}
        self.pad, self.bos, self.eos, self.unk = 0, 1, 2, 3

    def encode(self, latex):
        """Canonical token ids, or None when a token is outside the vocabulary."""
        ids = [self.stoi.get(t) for t in canonical_tokens(latex)]
        return None if not ids or None in ids else ids

    def decode(self, ids):
        return [self.itos[i] for i in ids if i > 3]


def read_labels(path):
    rows = []
    for line in open(path, encoding="utf-8"):
        parts = line.rstrip("\n").split("\t")
        if len(parts) >= 2:
            rows.append((parts[0], parts[1], parts[2] if len(parts) > 2 else ""))
    return rows


def image_file(name):
    """A labels.tsv name as a file name: the data engine names samples without an extension."""
    return name if os.path.splitext(name)[1] else name + ".png"


def image_subdir(directory):
    """Where a set's images lie: an images/ folder (data engine, packs) or beside labels.tsv (CROHME)."""
    return "images" if os.path.isdir(os.path.join(directory, "images")) else ""


class LabelledSet:
    """Images + canonical token ids from one labels.tsv, skipping out-of-vocabulary labels.

    kind "image": each file is a finished crop. kind "coverage": each file is a formula's ink
    coverage from the data engine's renderer (a GPU pack), and its cell is "level/representation";
    every draw turns it into a crop through a noise cell of the dataset spec, chosen with the spec's
    weights, so the same formula comes back in a new photo condition each time."""

    def __init__(self, name, directory, labels, vocab, image_subdir="", kind="image"):
        self.name, self.kind, self.items = name, kind, []
        for file, latex, cell in labels:
            ids = vocab.encode(latex)
            if ids and len(ids) <= MAX_TOKENS:
                self.items.append((os.path.join(directory, image_subdir, image_file(file)), ids, latex, cell))

    def __len__(self):
        return len(self.items)


HOLDOUT = 300


def crohme_train_rows(holdout=HOLDOUT, directory=None):
    """(training rows, hold-out rows) of CROHME *train* (from `directory`, default the shared data):
    a fixed shuffle, so the hold-out is the same in every run and every tool (holdout.py writes it)."""
    d = directory or os.path.join(SHARED, "crohme", "train")
    rows = sorted(read_labels(os.path.join(d, "labels.tsv")))
    rng = random.Random(7)
    rng.shuffle(rows)
    return rows[holdout:], rows[:holdout]


def crohme_train_split(vocab, holdout=HOLDOUT, directory=None):
    """CROHME *train* only (from `directory`, default the shared data); a fixed hold-out of it for
    validation during training."""
    d = directory or os.path.join(SHARED, "crohme", "train")
    sub = image_subdir(d)
    train, held = crohme_train_rows(holdout, d)
    return (LabelledSet("crohme", d, train, vocab, sub),
            LabelledSet("crohme-val", d, held, vocab, sub))


def novel_formulas(train, held):
    """Indices of the hold-out items whose formula (its canonical tokens) no training item has.

    CROHME *train* has most formulas written by several writers, so a random hold-out shares half its
    formulas with training (155 of 300), and a model reads those twice as well as the others (v2g's 270k
    weights through the engine: 74% against 37%), which is how the hold-out read 65-70% while CROHME 2014's writers
    of mostly new formulas read 30-35%. The novel ones stand for what users write."""
    seen = {tuple(ids) for _, ids, _, _ in train.items}
    return [k for k, (_, ids, _, _) in enumerate(held.items) if tuple(ids) not in seen]


def synthetic_sets(vocab, pattern="synth-v[0-9]*"):
    """Data-engine caches: training shards are synth-v1, synth-v2, ...; synth-val is validation."""
    sets = []
    for labels in sorted(glob.glob(os.path.join(CACHE, "rec", pattern, "labels.tsv"))):
        d = os.path.dirname(labels)
        sets.append(LabelledSet(os.path.basename(d), d, read_labels(labels), vocab, image_subdir(d)))
    return [s for s in sets if len(s)]


def coverage_set(vocab, directory, name=None):
    """Rendered formulas of a GPU pack (training.gpu.make_pack: PACK/synth, PACK/synth-val)."""
    return LabelledSet(name or os.path.basename(os.path.normpath(directory)), directory,
                       read_labels(os.path.join(directory, "labels.tsv")), vocab, "images", kind="coverage")


def load_image(path):
    img = cv2.imread(path, cv2.IMREAD_COLOR)
    if img is None:
        raise IOError(f"cannot read {path}")
    return cv2.cvtColor(img, cv2.COLOR_BGR2RGB)


def _affine(img, rng, max_deg):
    h, w = img.shape[:2]
    ang = rng.uniform(-max_deg, max_deg)
    shear = rng.uniform(-0.15, 0.15)
    m = cv2.getRotationMatrix2D((w / 2, h / 2), ang, 1.0)
    m[0, 1] += shear
    cos, sin = abs(np.cos(np.radians(ang))), abs(np.sin(np.radians(ang)))
    nw, nh = int(w * cos + h * sin + abs(shear) * h), int(h * cos + w * sin)
    m[0, 2] += (nw - w) / 2
    m[1, 2] += (nh - h) / 2
    return cv2.warpAffine(img, m, (nw, nh), borderMode=cv2.BORDER_REPLICATE, flags=cv2.INTER_LINEAR)


def _elastic(img, rng, amplitude=0.03, cell=0.3):
    """A smooth random warp: displacements (sd `amplitude` x the height) drawn on a coarse grid (a
    cell is `cell` x the height) and interpolated. Real hands differ from CROHME's
    few hundred writers in local shape (loops, stroke bends, uneven spacing); a global affine alone
    leaves each writer's shapes intact, and the model has seen each CROHME image ~30 times."""
    h, w = img.shape[:2]
    step = max(8, int(h * cell))
    grid = (h // step + 2, w // step + 2)
    noise = np.random.default_rng(rng.randrange(1 << 30))
    dx, dy = (cv2.resize(noise.normal(0, amplitude * h, grid).astype(np.float32), (w, h),
                         interpolation=cv2.INTER_CUBIC) for _ in range(2))
    xx, yy = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    return cv2.remap(img, xx + dx, yy + dy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def _stretch(img, rng, most=0.2):
    """Writers differ in how wide they write: scale the width alone by up to +-`most`."""
    h, w = img.shape[:2]
    return cv2.resize(img, (max(1, int(round(w * rng.uniform(1 - most, 1 + most)))), h),
                      interpolation=cv2.INTER_AREA)


def _shade(img, rng):
    """A soft illumination gradient, as a phone photo of paper has."""
    h, w = img.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    a, b = rng.uniform(-1, 1), rng.uniform(-1, 1)
    g = (a * xx / max(w, 1) + b * yy / max(h, 1))
    g = 1.0 - rng.uniform(0.1, 0.5) * (g - g.min()) / (np.ptp(g) + 1e-6)
    return np.clip(img.astype(np.float32) * g[..., None], 0, 255).astype(np.uint8)


_SPEC = dataset_spec.load()
_NOISE_CELLS = list(_SPEC["axes"]["noise"].items())


def photo_style(img, rng):
    """Real handwriting (white scan, black ink) redrawn the way the data engine draws a photo crop:
    the ink as coverage on paper, in a pen colour, through one of the spec's noise cells (drawn with
    the spec's weights). The issue asks for CROHME with the data engine's photo effects; scans alone
    never show the model shadows, rules, highlighter or JPEG blur on real strokes."""
    cov = 1.0 - cv2.cvtColor(img, cv2.COLOR_RGB2GRAY).astype(np.float32) / 255.0
    crop = noise_cell_crop(cov, True, rng)
    return img if crop is None else crop


def noise_cell_crop(cov, handwritten, rng):
    """Ink coverage (float, 1 = ink) -> an RGB crop through a noise cell drawn with the spec's
    weights by the data engine's make_crop (None when it rejects the draw, e.g. an empty frame)."""
    noise = rng.choices([n for n, _ in _NOISE_CELLS], [w for _, w in _NOISE_CELLS])[0]
    gray = make_crop(np.random.default_rng(rng.randrange(1 << 30)), cov, handwritten, noise, _SPEC["crop"])
    return None if gray is None else cv2.cvtColor(gray, cv2.COLOR_GRAY2RGB)


def coverage_crop(path, cell, rng):
    """A rendered formula's coverage file -> an RGB crop in a noise cell (None: rejected draw)."""
    cov = cv2.imread(path, cv2.IMREAD_GRAYSCALE)
    if cov is None:
        raise IOError(f"cannot read {path}")
    return noise_cell_crop(cov.astype(np.float32) / 255.0, cell.split("/")[1] == "handwritten", rng)


def sample_image(labelled_set, k, rng):
    """Item k of a set as an RGB image (coverage sets draw a noise cell with `rng`)."""
    path, _, _, cell = labelled_set.items[k]
    if labelled_set.kind != "coverage":
        return load_image(path)
    for _ in range(10):
        img = coverage_crop(path, cell, rng)
        if img is not None:
            return img
    raise RuntimeError(f"no crop could be made of {path}")


def augment(img, rng, real_handwriting, photo_share=0.0):
    """Geometric + photometric variation; scale is randomised later, at the fit into 64x256."""
    if real_handwriting and rng.random() < 0.5:
        img = _elastic(img, rng)
    if real_handwriting and rng.random() < 0.4:
        img = _stretch(img, rng)
    if real_handwriting and rng.random() < 0.6:
        # CROHME strokes are thin (about 1 px at the model's input); markers and photos are not: up to
        # a stroke a twelfth of the image high (k = 11 on CROHME's 152-px images), as thick as a marker
        k = rng.choice([2, 3, 3, 5, 7, 9, 11])
        img = cv2.erode(img, np.ones((k, k), np.uint8))
    if real_handwriting and rng.random() < photo_share:
        img = photo_style(img, rng)
    if rng.random() < 0.5:
        img = _affine(img, rng, 4.0)
    if rng.random() < 0.3:
        img = _shade(img, rng)
    if rng.random() < 0.2:
        img = cv2.GaussianBlur(img, (3, 3), rng.uniform(0.3, 1.2))
    return img


def make_input(img, rng=None, max_width=WIDTH):
    """A crop as the model's input: as the engine prepares it (rng None), or with training's random
    scale, margin, offset and noise. max_width > WIDTH: a wide canvas (preprocess.canvas_width)."""
    if rng is None:
        return prepare(img, max_width=max_width)
    scale = 1.0 if rng.random() < 0.5 else rng.uniform(0.5, 1.0)
    # the engine frames every crop with FRAME_MARGIN; training varies the margin around it, as a
    # detector's quad or a hand-drawn selection is never framed exactly
    margin = rng.uniform(0.5, 1.5) * FRAME_MARGIN
    offset = (rng.randint(0, 4), rng.randint(0, 8)) if rng.random() < 0.3 else (0, 0)
    # always resampled as the engine resamples (area when shrinking): a linear shrink thins or
    # erases strokes (plus signs vanished) and taught the model inputs the engine never makes
    x = prepare(img, scale, offset, margin, max_width)
    if rng.random() < 0.2:
        x = np.clip(x + np.random.default_rng(rng.randrange(1 << 30)).normal(0, 0.05, x.shape), 0, 1)
    return x.astype(np.float32)


class Mixture:
    """Draws training samples from several sets with weights, shortest formulas first (curriculum).

    On a wide canvas (max_width > WIDTH) a batch is as wide as its widest input, so batches are made
    WIDE_POOL at a time from samples sorted by width: long formulas train beside long ones and short
    ones stay at 64 x WIDTH, instead of every batch paying for its one long formula."""

    WIDE_POOL = 4

    def __init__(self, sets_and_weights, seed, photo_share=0.0, max_width=WIDTH):
        self.sets = [(s, w) for s, w in sets_and_weights if len(s)]
        self.rng = random.Random(seed)
        self.photo_share = photo_share  # share of real handwriting redrawn as a photo crop
        self.max_width = max_width
        self.ready = []   # wide canvas: batches made from the last pool, not yet handed out

    def draw(self, max_len):
        sets, weights = zip(*self.sets)
        for _ in range(50):
            s = self.rng.choices(sets, weights)[0]
            k = self.rng.randrange(len(s))
            ids = s.items[k][1]
            if len(ids) <= max_len:
                break
        img = augment(sample_image(s, k, self.rng), self.rng, s.name == "crohme", self.photo_share)
        return make_input(img, self.rng, self.max_width), ids

    def batch(self, size, max_len):
        """(inputs [B, 1, HEIGHT, W], target id lists) of `size` samples no longer than max_len tokens."""
        if self.max_width <= WIDTH:
            xs, ys = zip(*(self.draw(max_len) for _ in range(size)))
            return np.stack(xs)[:, None], list(ys)
        if not self.ready:
            pool = sorted((self.draw(max_len) for _ in range(size * self.WIDE_POOL)), key=lambda s: s[0].shape[1])
            self.ready = [pool[i:i + size] for i in range(0, len(pool), size)]
            self.rng.shuffle(self.ready)
        xs, ys = zip(*self.ready.pop())
        return pad_batch(xs), list(ys)
