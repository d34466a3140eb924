"""Stray marks: specks of dust, dots of the page's noise, a fleck of a neighbouring line, far from the
formula. The Rust engine (src/stray_marks.rs) implements the same rule; tests compare the two.

Why: framing cuts a crop to where its ink is, and a few specks far below a formula on a phone photo
stretched the frame to three times the formula's height, so the model read it a third of its size.
Trimming a share of the ink at each edge cannot tell specks from symbols once they add up to more
than that share; their distance from everything else can.

The rule, on a framing probe's ink map (ink 1, paper 0): the ink's connected pieces (8-connected, at a
quarter strength, so that a speck a downscaled probe blurs still counts) that lie within one symbol
height of each other across the line and three along it form groups (handwriting leaves wide spaces
along a line: a leading minus sign, an ellipsis). A group of nothing but specks (pieces with fewer
pixels than a square half a symbol high) and with less than STRAY_SHARE of the largest group's pixels is
stray; a small denominator written far below a long fraction bar has a symbol-sized piece, and stays. A
symbol height is the median height of the pieces at least a fifth the size of the largest, leaving out
bars (fraction bars and minus signs) and so specks and the dots of i."""
import numpy as np
import cv2

STRAY_INK = 0.25     # ink strength that makes a piece
STRAY_LINK_ACROSS = 1.0  # pieces closer than this x a symbol height across the line, and
STRAY_LINK_ALONG = 3.0   # than this along it, belong to one group
STRAY_SHARE = 0.1    # a group with less than this share of the largest group's pixels is stray
STRAY_SYMBOL = 0.2   # pieces at least this share of the largest piece's pixels measure a symbol
STRAY_SPECK = 0.5    # a speck has fewer pixels than a square this x a symbol height wide
STRAY_BAR = 4.0      # a piece this many times wider than high is a bar, not a symbol
STRAY_MAX_PIECES = 2000  # past this many pieces the probe is noise, not marks: leave it as it is


def stray_boxes(ink):
    """[(top, bottom, left, right)] (end-exclusive) of each stray piece of the ink map."""
    n, _, stats, _ = cv2.connectedComponentsWithStats((ink >= STRAY_INK).astype(np.uint8), connectivity=8)
    stats = stats[1:].astype(np.int64)
    if len(stats) < 2 or len(stats) > STRAY_MAX_PIECES:
        return []
    left, top, width, height, area = stats.T
    right, bottom = left + width, top + height
    shapes = width <= STRAY_BAR * height  # fraction bars and minus signs say nothing of a symbol's height
    if not shapes.any():
        shapes[:] = True
    symbol = float(np.median(height[shapes & (area >= STRAY_SYMBOL * area[shapes].max())]))
    gap_x = np.maximum(0, np.maximum(left[:, None] - right[None, :], left[None, :] - right[:, None]))
    gap_y = np.maximum(0, np.maximum(top[:, None] - bottom[None, :], top[None, :] - bottom[:, None]))
    near = (gap_x <= STRAY_LINK_ALONG * symbol) & (gap_y <= STRAY_LINK_ACROSS * symbol)
    group = _groups(near)
    pixels = np.bincount(group, weights=area)
    speck = area < (STRAY_SPECK * symbol) ** 2
    all_specks = np.bincount(group, weights=(~speck).astype(np.float64)) == 0  # per group: specks only
    stray = (pixels[group] < STRAY_SHARE * pixels.max()) & all_specks[group]
    return [(int(top[i]), int(bottom[i]), int(left[i]), int(right[i])) for i in np.flatnonzero(stray)]


def _groups(near):
    """Group index of each piece: the connected components of the `near` relation."""
    n = len(near)
    group = np.full(n, -1)
    for start in range(n):
        if group[start] >= 0:
            continue
        group[start] = start
        todo = [start]
        while todo:
            i = todo.pop()
            for j in np.flatnonzero(near[i] & (group < 0)):
                group[j] = start
                todo.append(j)
    return group


def without_stray_marks(ink):
    """The ink map with its stray pieces (and the pixel of faint edge around each) set to paper."""
    boxes = stray_boxes(ink)
    if not boxes:
        return ink
    out = ink.copy()
    h, w = ink.shape
    for top, bottom, left, right in boxes:
        out[max(top - 1, 0):min(bottom + 1, h), max(left - 1, 0):min(right + 1, w)] = 0.0
    return out
