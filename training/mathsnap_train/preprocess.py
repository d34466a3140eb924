"""Recognizer input preprocessing. The Rust engine (src/preprocess.rs) implements the same steps;
tests/preprocess_parity.rs and training/tests compare both on the same images.

Steps: grayscale -> frame the ink (cut to where the ink is, stray marks left out, keeping a fixed
margin of paper) -> fit inside 64x256 keeping the aspect ratio (area resampling) -> subtract a local
paper estimate (max filter, then box blur) so shadows and tinted paper vanish -> scale so that strong
ink is 1.0 -> place top-left on an empty (0.0) canvas. The model sees ink = 1, paper = 0.

Why frame: a crop's own margins vary with where it came from (CROHME renderings are cut tight to the
ink, phone photos keep paper around it, detector quads are in between), and with them the size of
the symbols the model sees. Read as they came, tight crops scored far below padded ones (CROHME-train
hold-out 60.7% greedy; 70.3% framed with 0.3 of the ink's height per side). Framing makes the input
independent of the crop's margins, in training and in the engine alike.
"""
import numpy as np
import cv2

from .stray_marks import without_stray_marks

HEIGHT, WIDTH = 64, 256
# A wide canvas (recognizer v2 only, issue 27): a formula too long for 64 x WIDTH keeps its height on a
# canvas as wide as it needs, in steps of WIDTH_STEP up to the model's max_width; a formula that fits gets
# the same 64 x WIDTH input as before. The step is a multiple of the encoder's stride (8: whole feature
# columns), and coarse because the engine optimises its encoder once per canvas width it meets (five up to
# 512), while the empty canvas a coarse step adds costs little: training's batches are padded with it too. Squeezing long formulas into 256 columns cost them half their reading rate (MODEL_CARD 'How much a
# wider input would buy').
WIDTH_STEP = 64
PAPER_WINDOW = 7      # wider than a pen stroke at this scale, narrower than a shadow's gradient
MIN_CONTRAST = 0.15   # below this the crop is mostly paper: do not blow noise up to full ink
FRAME_MARGIN = 0.25   # paper kept on every side of the ink, as a share of the ink's height
FRAME_TRIM = 0.005    # share of the ink ignored at each edge when locating it (faint edges; far specks: stray_marks)
PAPER_PERCENTILE = 90  # the paper's grey level along an edge, for margins beyond the crop's edge
MAX_PROBE_WIDTH = 32 * HEIGHT  # a strip of a crop must not become a huge probe (memory)
# Ink fainter than this is left out when locating the formula. The ink map of noisy paper is faint
# ink everywhere (about 0.07 at sensor noise 0.03), which no trim of the profile's tails removes: it
# pulled the frame out to the crop's edge and drew the formula smaller (x1.5 at noise 0.01).
LOCATE_FLOOR = 0.2


def to_gray(img):
    """uint8 HxW or HxWx3 (RGB) -> float32 HxW in 0..1, with the engine's luma weights."""
    if img.ndim == 3:
        img = img[..., :3].astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32)
    return img.astype(np.float32) / 255.0


def fit_size(h, w, scale=1.0, max_width=WIDTH):
    """Size after fitting (h, w) into HEIGHT x max_width, times an extra scale <= 1 (augmentation)."""
    s = min(HEIGHT / h, max_width / w) * scale
    return max(1, min(HEIGHT, round(h * s))), max(1, min(max_width, round(w * s)))


def canvas_width(fitted_width, max_width=WIDTH):
    """The canvas for a formula fitted `fitted_width` columns wide: WIDTH when it fits there, else the
    next multiple of WIDTH_STEP (never beyond max_width)."""
    if max_width <= WIDTH:
        return WIDTH
    return min(max_width, max(WIDTH, -(-fitted_width // WIDTH_STEP) * WIDTH_STEP))


def _resize_axis(g, n, axis):
    """g resampled to n along one axis: area averaging when shrinking (every source pixel counts, so
    thin strokes survive), linear with half-pixel centres when enlarging (OpenCV's area mode enlarges
    almost like nearest-neighbour). The engine's resize is this, axis by axis."""
    h, w = g.shape
    size, src = ((n, h), w) if axis == 1 else ((w, n), h)
    if n == src:
        return g
    return cv2.resize(g, size, interpolation=cv2.INTER_AREA if n < src else cv2.INTER_LINEAR)


def resize(g, w, h):
    """float gray -> (h, w), separably as the engine does (src/preprocess.rs resize)."""
    return _resize_axis(_resize_axis(g, w, 1), h, 0)


def box_filter(a, k):
    return cv2.blur(a, (k, k), borderType=cv2.BORDER_REPLICATE)


def max_filter(a, k):
    return cv2.dilate(a, np.ones((k, k), np.uint8), borderType=cv2.BORDER_REPLICATE)


def normalise_ink(g):
    """float gray (paper bright) -> ink map in 0..1, independent of illumination."""
    paper = box_filter(max_filter(g, PAPER_WINDOW), PAPER_WINDOW)
    paper = np.maximum(paper, g)
    d = paper - g
    scale = max(float(np.percentile(d, 99)), MIN_CONTRAST)
    return np.clip(d / scale, 0.0, 1.0)


def _ink_span(profile):
    """[start, end) of a 1-D ink profile without FRAME_TRIM of its mass at either end."""
    c = np.cumsum(profile)
    c /= c[-1]
    return int(np.searchsorted(c, FRAME_TRIM)), int(np.searchsorted(c, 1.0 - FRAME_TRIM)) + 1


def _round(v):
    return int(np.floor(v + 0.5))  # half up, as the engine rounds (Python's round() goes to even)


def _ink_box(g):
    """(top, bottom, left, right) of the ink in g's pixels, as floats; None without ink. Located on a
    copy HEIGHT pixels high (the scale the paper estimate is tuned for; lower for a strip longer than
    MAX_PROBE_WIDTH)."""
    h, w = g.shape
    s = min(HEIGHT / h, MAX_PROBE_WIDTH / w)
    probe = resize(g, max(1, _round(w * s)), max(1, _round(h * s)))
    ink = normalise_ink(probe)
    ink = without_stray_marks(np.where(ink >= LOCATE_FLOOR, ink, 0.0).astype(np.float32))
    if float(ink.sum()) < 1.0:  # less than one pixel's worth of ink: nothing to frame
        return None
    (y0, y1), (x0, x1) = _ink_span(ink.sum(1, dtype=np.float64)), _ink_span(ink.sum(0, dtype=np.float64))
    return y0 / s, y1 / s, x0 / s, x1 / s


def _around(box, margin):
    """Integer (top, bottom, left, right) of a box grown by margin x its height on every side."""
    top, bottom, left, right = box
    pad = margin * (bottom - top)
    return _round(top - pad), _round(bottom + pad), _round(left - pad), _round(right + pad)


def frame_bounds(g, margin=FRAME_MARGIN):
    """(top, bottom, left, right) in g's pixels of its ink with `margin` x the ink's height on every
    side: past g's edges where the crop is tighter than that. The whole of g when it holds no ink.
    Two passes: on a photo with wide margins the first sees the formula a few pixels high, so the
    second locates it again within the first's box, at full probe resolution."""
    h, w = g.shape
    rough = _ink_box(g)
    if rough is None:
        return 0, h, 0, w
    t, b, l, r = _around(rough, 0.5)
    t, b, l, r = max(t, 0), min(max(b, t + 1), h), max(l, 0), min(max(r, l + 1), w)
    fine = _ink_box(g[t:b, l:r])
    if fine is None:
        return _around(rough, margin)
    ft, fb, fl, fr = _around(fine, margin)
    return ft + t, max(fb, ft + 1) + t, fl + l, max(fr, fl + 1) + l


def _edge_levels(strip, along):
    """The paper's grey level at every position along one edge of a crop: `strip` is the band of
    the crop along that edge, `along` its axis that runs along the edge. The band is cut into square
    pieces; each gives the PAPER_PERCENTILE of its pixels at its centre, and positions between
    centres are interpolated linearly (beyond the first and last centre, held), so padding follows
    a shadow's gradient along the edge instead of making a step that reads as a bar."""
    n, piece = strip.shape[along], strip.shape[1 - along]
    rows = strip if along == 1 else strip.T          # piece x n: the pieces side by side along axis 1
    whole = n // piece
    # every whole piece's percentile in one call (one call per piece was a third of making a training
    # batch: a few hundred small sorts a crop), then the shorter last piece's
    levels = []
    if whole:
        blocks = rows[:, :whole * piece].reshape(piece, whole, piece).transpose(1, 0, 2).reshape(whole, -1)
        levels = list(np.percentile(blocks, PAPER_PERCENTILE, axis=1))
    if n % piece:
        levels.append(float(np.percentile(rows[:, whole * piece:], PAPER_PERCENTILE)))
    starts = range(0, n, piece)
    centres = [(a + min(a + piece, n) - 1) / 2 for a in starts]
    return np.interp(np.arange(n), centres, levels).astype(np.float32)


def extend(g, bounds):
    """g over `bounds`, which may reach past its edges: the paper added on each side continues the
    image's own paper along that side (_edge_levels: its level at each position along the edge), so
    shaded or tinted paper meets no step at the image's edge, which the ink normalisation would read
    as a stroke. (Leaving the margin as empty canvas instead makes a stroke along the edge of a tight
    crop vanish into its replicated border, and read worse.)"""
    top, bottom, left, right = bounds
    h, w = g.shape
    it, il = min(max(top, 0), h - 1), min(max(left, 0), w - 1)
    ib, ir = min(max(bottom, it + 1), h), min(max(right, il + 1), w)
    inner = g[it:ib, il:ir]
    band = max(1, (ib - it) // 8)
    out = np.empty((max(bottom, ib) - min(top, it), max(right, ir) - min(left, il)), np.float32)
    y0, x0 = it - min(top, it), il - min(left, il)
    y1, x1 = y0 + ib - it, x0 + ir - il
    out[y0:y1, x0:x1] = inner
    # each side's levels only where that side is added to (sorting a band of a big photo is not free)
    if y0 > 0:
        out[:y0, x0:x1] = _edge_levels(inner[:band], 1)[None, :]
    if y1 < out.shape[0]:
        out[y1:, x0:x1] = _edge_levels(inner[-band:], 1)[None, :]
    # the left and right sides' levels run on into the corners, held at the first and last row's
    rows = np.clip(np.arange(out.shape[0]) - y0, 0, ib - it - 1)
    if x0 > 0:
        out[:, :x0] = _edge_levels(inner[:, :band], 0)[rows][:, None]
    if x1 < out.shape[1]:
        out[:, x1:] = _edge_levels(inner[:, -band:], 0)[rows][:, None]
    return out


def prepare(img, scale=1.0, offset=(0, 0), margin=FRAME_MARGIN, max_width=WIDTH):
    """Image array (uint8 gray or RGB) -> float32 [HEIGHT, canvas_width] model input (WIDTH wide unless
    max_width lets a long formula keep its height). margin=None: no framing (how models exported before
    framing, whose manifest names no frame_margin, were trained)."""
    g = to_gray(img)
    if margin is not None:
        g = extend(g, frame_bounds(g, margin))
    h, w = fit_size(*g.shape, scale, max_width)
    small = resize(g, w, h)
    ink = normalise_ink(small)
    width = canvas_width(w + offset[1], max_width)
    canvas = np.zeros((HEIGHT, width), np.float32)
    oy, ox = min(offset[0], HEIGHT - h), min(offset[1], width - w)
    canvas[oy:oy + h, ox:ox + w] = ink
    return canvas


def pad_batch(inputs):
    """Inputs of several canvas widths -> one float32 [B, 1, HEIGHT, widest] batch: the narrower ones are
    continued with empty canvas (0.0), which is what every canvas already holds right of its formula."""
    width = max(x.shape[1] for x in inputs)
    out = np.zeros((len(inputs), 1, HEIGHT, width), np.float32)
    for i, x in enumerate(inputs):
        out[i, 0, :, :x.shape[1]] = x
    return out
