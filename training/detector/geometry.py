"""Geometry shared by training targets and evaluation.

`core_quad` insets a ground-truth quad by `inset` x its height on every side (what the model must
predict); `core_target` rasterises cores at the map's stride; `regions` is a line-for-line port of
src/detector/postprocess.rs (threshold -> 8-connected components -> minimum-area rectangle of the
pixels' corners -> grown back by the inset), so evaluation scores exactly what the engine will output."""
import math

import cv2
import numpy as np

INSET = 0.1
STRIDE = 4
MIN_COMPONENT = 6   # postprocess.rs
MIN_SCORE = 0.55    # postprocess.rs
MERGE_MAX_ANGLE_DEG = 10.0     # postprocess.rs
MERGE_MIN_LINE_OVERLAP = 0.5   # postprocess.rs


def quad_size(q):
    """Reading-direction (width, height) of a quad given clockwise from its own top-left (geometry.rs)."""
    q = np.asarray(q, np.float64)
    d = lambda a, b: float(np.hypot(*(q[a] - q[b])))
    return (d(0, 1) + d(3, 2)) / 2, (d(0, 3) + d(1, 2)) / 2


def _line_intersect(p1, d1, p2, d2):
    den = d1[0] * d2[1] - d1[1] * d2[0]
    if abs(den) < 1e-9:
        return None
    t = ((p2[0] - p1[0]) * d2[1] - (p2[1] - p1[1]) * d2[0]) / den
    return p1 + t * d1


def core_quad(q, inset=INSET):
    """Each edge moved inwards by inset * height (edges offset along their normals, re-intersected)."""
    q = np.asarray(q, np.float64)
    _, h = quad_size(q)
    d = inset * h
    c = q.mean(0)
    lines = []
    for i in range(4):
        a, b = q[i], q[(i + 1) % 4]
        e = b - a
        n = np.array([-e[1], e[0]])
        ln = np.hypot(*n)
        if ln < 1e-9:
            return None
        n /= ln
        if np.dot(c - a, n) < 0:
            n = -n
        lines.append((a + d * n, e))
    out = []
    for i in range(4):
        p = _line_intersect(*lines[(i - 1) % 4], *lines[i])
        if p is None:
            return None
        out.append(p)
    out = np.array(out)
    # a quad thinner than 2 * inset flips over: then it has no core
    if np.dot(out[1] - out[0], q[1] - q[0]) <= 0 or np.dot(out[3] - out[0], q[3] - q[0]) <= 0:
        return None
    return out


SS = 8  # supersampling per map pixel for coverage


def core_target(quads, map_w, map_h, stride=STRIDE, inset=INSET, cover=0.6):
    """Binary f32 [map_h, map_w]: map pixel (x, y), the square [x, x+1] x [y, y+1] in map units, is 1 when
    at least `cover` of it lies in some formula's core. The engine takes each positive pixel as a whole unit
    square, so 0.6 rather than 0.5 offsets the outward bias of the staircase on tilted formulas (on the test
    pages, perfect maps give mean IoU 0.763 with 0.5, 0.788 with 0.6, 0.800 with 0.7, but 0.7 loses more
    thin formulas). A core too thin to reach `cover` anywhere still marks its best-covered pixels, so no
    formula is left without a target."""
    target = np.zeros((map_h, map_w), np.float32)
    for q in quads:
        core = core_quad(q, inset)
        if core is None:
            continue
        pts = core / stride * SS  # supersampled pixel units; fillPoly's integer coords are pixel centres
        lo = np.floor(pts.min(0) / SS).astype(int) - 1
        hi = np.ceil(pts.max(0) / SS).astype(int) + 1
        lo = np.maximum(lo, 0)
        hi = np.minimum(hi, [map_w, map_h])
        if hi[0] <= lo[0] or hi[1] <= lo[1]:
            continue
        bw, bh = hi - lo
        canvas = np.zeros((bh * SS, bw * SS), np.uint8)
        local = (pts - lo * SS - 0.5) * 16
        cv2.fillPoly(canvas, [np.round(local).astype(np.int32)], 255, lineType=cv2.LINE_8, shift=4)
        cov = canvas.reshape(bh, SS, bw, SS).mean(axis=(1, 3)) / 255.0
        if cov.max() <= 0:
            continue
        thr = cover if cov.max() >= cover else 0.6 * cov.max()
        region = target[lo[1]:hi[1], lo[0]:hi[0]]
        np.maximum(region, (cov >= thr).astype(np.float32), out=region)
    return target


# ---- port of src/geometry.rs + src/detector/postprocess.rs ----

def warp_to_crop(img, M, scale, size):
    """`img` under the similarity `M` (image pixels -> crop pixels, `scale` its zoom), cut to `size` x
    `size` with white outside (the engine pads with white). Shrinking goes through an area resize first,
    as the engine scales, so thin strokes are not dropped (warpAffine has no area filter)."""
    h, w = img.shape[:2]
    white = (255, 255, 255)
    if scale < 0.9:
        small = cv2.resize(img, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA)
        S = np.array([[small.shape[1] / w, 0, 0], [0, small.shape[0] / h, 0], [0, 0, 1]])
        return cv2.warpAffine(small, M @ np.linalg.inv(S), (size, size), flags=cv2.INTER_LINEAR, borderValue=white)
    return cv2.warpAffine(img, M, (size, size), flags=cv2.INTER_LINEAR, borderValue=white)


def transform_quads(quads, M):
    """Quads (4 x 2 points each) under the 2 x 3 affine `M`."""
    return [np.hstack([q, np.ones((4, 1))]) @ M.T for q in quads]


def _cross(o, a, b):
    return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])


def convex_hull(pts):
    pts = sorted(set(map(tuple, pts)))
    if len(pts) < 3:
        return pts
    hull = []
    for seq in (pts, pts[::-1]):
        start = len(hull)
        for p in seq:
            while len(hull) >= start + 2 and _cross(hull[-2], hull[-1], p) <= 0:
                hull.pop()
            hull.append(p)
        hull.pop()
    return hull


def min_area_rect(points):
    hull = convex_hull(points)
    if not hull:
        return (0.0, 0.0), 0.0, 0.0, 0.0
    hp = np.array(hull, np.float64)
    best = (math.inf, None, 0.0, 0.0, 0.0)
    n = len(hull)
    for i in range(max(n, 1)):
        a, b = hp[i], hp[(i + 1) % n]
        ang = math.atan2(b[1] - a[1], b[0] - a[0])
        c, s = math.cos(ang), math.sin(ang)
        u = hp[:, 0] * c + hp[:, 1] * s
        v = -hp[:, 0] * s + hp[:, 1] * c
        area = (u.max() - u.min()) * (v.max() - v.min())
        if area < best[0]:
            cu, cv = (u.min() + u.max()) / 2, (v.min() + v.max()) / 2
            best = (area, (cu * c - cv * s, cu * s + cv * c), u.max() - u.min(), v.max() - v.min(), ang)
    _, centre, w, h, ang = best
    quarter = math.pi / 2
    while ang > quarter / 2:
        ang -= quarter
        w, h = h, w
    while ang <= -quarter / 2:
        ang += quarter
        w, h = h, w
    return centre, w, h, ang


def rect_corners(centre, w, h, angle):
    c, s = math.cos(angle), math.sin(angle)
    cx, cy = centre
    return np.array([[cx + du * c - dv * s, cy + du * s + dv * c]
                     for du, dv in ((-w / 2, -h / 2), (w / 2, -h / 2), (w / 2, h / 2), (-w / 2, h / 2))])


def regions(prob, threshold=0.5, inset=INSET, short_side=True, merge=True):
    """prob: [h, w] map -> list of (quad in map units, score), as postprocess::regions.
    short_side=True (the default) grows each core by its shorter side, as the engine does (right for formulas
    on pages turned by 90 degrees); False is the earlier rule, kept to compare with old figures. merge=True joins
    fragments of one formula, as the engine does."""
    mask = (prob >= threshold).astype(np.uint8)
    n, labels = cv2.connectedComponents(mask, connectivity=8)
    out = []
    for k in range(1, n):
        ys, xs = np.nonzero(labels == k)
        if len(xs) < MIN_COMPONENT:
            continue
        score = float(prob[ys, xs].mean())
        if score < MIN_SCORE:
            continue
        corners = np.concatenate([np.stack([xs + dx, ys + dy], 1) for dx in (0, 1) for dy in (0, 1)])
        centre, w, h, ang = min_area_rect(corners.astype(np.float64))
        full_h = (min(w, h) if short_side else h) / max(1.0 - 2.0 * inset, 0.2)
        grow = inset * full_h
        out.append((rect_corners(centre, w + 2 * grow, h + 2 * grow, ang), score))
    return merge_line_fragments(out) if merge else out


def _line_direction(q):
    w, h = quad_size(q)
    a, b = (q[0], q[1]) if w >= h else (q[0], q[3])
    d = np.asarray(b, np.float64) - np.asarray(a, np.float64)
    return d / max(float(np.hypot(*d)), 1e-12)


def _extent(q, origin, d):
    rel = np.asarray(q, np.float64) - origin
    u = rel @ d
    v = -rel[:, 0] * d[1] + rel[:, 1] * d[0]
    return (u.min(), u.max()), (v.min(), v.max())


def _same_formula(a, b):
    """postprocess.rs same_formula: parallel pieces overlapping along one line."""
    longer = lambda r: max(quad_size(r[0]))
    base, other = (a, b) if longer(a) >= longer(b) else (b, a)
    d = _line_direction(base[0])
    edge = np.asarray(other[0][1], np.float64) - np.asarray(other[0][0], np.float64)
    n = max(float(np.hypot(*edge)), 1e-12)
    cos, sin = abs(edge @ d) / n, abs(edge[0] * d[1] - edge[1] * d[0]) / n
    if min(cos, sin) > math.sin(math.radians(MERGE_MAX_ANGLE_DEG)):
        return False
    origin = np.mean(np.asarray(base[0], np.float64), 0)
    (au, av), (bu, bv) = _extent(base[0], origin, d), _extent(other[0], origin, d)
    along = min(au[1], bu[1]) - max(au[0], bu[0])
    across = min(av[1], bv[1]) - max(av[0], bv[0])
    return along > 0 and across >= MERGE_MIN_LINE_OVERLAP * min(av[1] - av[0], bv[1] - bv[0])


def _area(q):
    w, h = quad_size(q)
    return w * h


def _merged(a, b):
    centre, w, h, ang = min_area_rect(np.concatenate([a[0], b[0]]))
    wa, wb = _area(a[0]), _area(b[0])
    return rect_corners(centre, w, h, ang), (a[1] * wa + b[1] * wb) / max(wa + wb, 1e-12)


def merge_line_fragments(regs):
    """postprocess.rs merge_line_fragments, with the same pair order (swap_remove, merged piece last)."""
    regs = list(regs)
    while True:
        pair = next(((i, j) for i in range(len(regs)) for j in range(i + 1, len(regs))
                     if _same_formula(regs[i], regs[j])), None)
        if pair is None:
            return regs
        i, j = pair
        b = _swap_remove(regs, j)
        a = _swap_remove(regs, i)
        regs.append(_merged(a, b))


def _swap_remove(xs, i):
    xs[i], xs[-1] = xs[-1], xs[i]
    return xs.pop()


def detect_quads(prob, scale, img_w, img_h, threshold=0.5, inset=INSET, stride=STRIDE, short_side=True):
    """Map -> quads in image pixels (as Detector::detect_at, before reading order)."""
    to_image = stride / scale
    out = []
    for q, s in regions(prob, threshold, inset, short_side):
        q = q * to_image
        q[:, 0] = q[:, 0].clip(0, img_w)
        q[:, 1] = q[:, 1].clip(0, img_h)
        out.append((q, s))
    return out


def poly_iou(a, b):
    a = np.asarray(a, np.float32)
    b = np.asarray(b, np.float32)
    a = cv2.convexHull(a)
    b = cv2.convexHull(b)
    inter, _ = cv2.intersectConvexConvex(a, b)
    ua = cv2.contourArea(a) + cv2.contourArea(b) - inter
    return float(inter / ua) if ua > 0 else 0.0


def match_pairs(pred, gt, thr=0.5):
    """Greedy one-to-one matching by IoU (highest first): [(iou, pred index, gt index)] in matching order."""
    pairs = []
    for i, p in enumerate(pred):
        for j, g in enumerate(gt):
            iou = poly_iou(p, g)
            if iou >= thr:
                pairs.append((iou, i, j))
    pairs.sort(reverse=True)
    used_p, used_g, out = set(), set(), []
    for iou, i, j in pairs:
        if i in used_p or j in used_g:
            continue
        used_p.add(i)
        used_g.add(j)
        out.append((iou, i, j))
    return out


def match(pred, gt, thr=0.5, ious=None):
    """The number of true positives of match_pairs (and each match's IoU appended to `ious` when given)."""
    pairs = match_pairs(pred, gt, thr)
    if ious is not None:
        ious.extend(iou for iou, _, _ in pairs)
    return len(pairs)
