"""Photo effects, one function per noise cell of the dataset spec; composable (pages chain several).
Geometry effects act on ink coverage or whole images; photometric ones on float32 RGB images (0..1)."""
import cv2
import numpy as np

from .paper import smooth_noise


def elastic(rng, cov, alpha_frac=None, sigma_frac=None):
    """Smooth random displacement of handwriting (elastic distortion), scaled to the ink height."""
    h, w = cov.shape
    scale = max(4.0, h * (sigma_frac or rng.uniform(0.15, 0.35)))
    amp = h * (alpha_frac or rng.uniform(0.01, 0.03))
    dx, dy = smooth_noise(rng, h, w, scale, amp), smooth_noise(rng, h, w, scale, amp)
    gx, gy = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    return cv2.remap(cov, gx + dx, gy + dy, cv2.INTER_LINEAR, borderValue=0)


def rotate(img, angle, border=0.0, replicate=False):
    """Rotate about the centre with the canvas expanded so nothing is lost; the new corners take
    `border`, or with `replicate` the image's own edge (a photo's paper)."""
    h, w = img.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    c, s = abs(m[0, 0]), abs(m[0, 1])
    nw, nh = int(h * s + w * c + 1), int(h * c + w * s + 1)
    m[0, 2] += nw / 2 - w / 2
    m[1, 2] += nh / 2 - h / 2
    mode = cv2.BORDER_REPLICATE if replicate else cv2.BORDER_CONSTANT
    return cv2.warpAffine(img, m, (nw, nh), flags=cv2.INTER_LINEAR, borderMode=mode, borderValue=border), m


def shadow(rng, img):
    """A soft cast shadow (hand or phone) across part of the image, plus an uneven light gradient."""
    h, w = img.shape[:2]
    mask = np.zeros((h, w), np.float32)
    pts = rng.uniform([-0.5 * w, -0.5 * h], [1.5 * w, 1.5 * h], (int(rng.integers(3, 6)), 2)).astype(np.int32)
    cv2.fillPoly(mask, [cv2.convexHull(pts)], 1.0)
    k = int(max(3, min(h, w) * rng.uniform(0.1, 0.5))) | 1
    mask = cv2.GaussianBlur(mask, (k, k), 0)
    dark = rng.uniform(0.35, 0.75)
    gy, gx = np.mgrid[0:h, 0:w].astype(np.float32)
    ang = rng.uniform(0, 2 * np.pi)
    grad = 1 - rng.uniform(0, 0.25) * ((gx * np.cos(ang) + gy * np.sin(ang)) / max(h, w) + 0.5)
    return img * ((1 - mask * (1 - dark)) * grad)[..., None]


def highlighter(rng, img, ink_box=None):
    """A translucent marker stroke over the formula (multiply blend), with ragged ends."""
    h, w = img.shape[:2]
    x0, y0, x1, y1 = ink_box or (0, 0, w, h)
    colour = np.array(rng.choice([(1.0, 0.95, 0.3), (0.6, 1.0, 0.5), (1.0, 0.6, 0.8), (0.5, 0.85, 1.0), (1.0, 0.75, 0.4)]), np.float32)
    band_h = (y1 - y0) * rng.uniform(0.5, 1.2)
    cy = (y0 + y1) / 2 + rng.normal(0, 0.1) * (y1 - y0)
    mask = np.zeros((h, w), np.float32)
    xa, xb = x0 - rng.uniform(0, 0.1) * (x1 - x0), x1 + rng.uniform(-0.05, 0.1) * (x1 - x0)
    tilt = rng.normal(0, 0.03) * (xb - xa)
    poly = np.array([[xa, cy - band_h / 2 - tilt], [xb, cy - band_h / 2 + tilt], [xb, cy + band_h / 2 + tilt],
                     [xa, cy + band_h / 2 - tilt]], np.int32)
    cv2.fillPoly(mask, [poly], 1.0)
    mask = cv2.GaussianBlur(mask, (3, 3), 0) * (0.85 + 0.15 * np.clip(smooth_noise(rng, h, w, 6, 1), -1, 1))
    return img * (1 - mask[..., None] * (1 - colour))


def curved_paper(rng, img):
    """Curved (bent page) or crumpled paper: a smooth displacement plus crease lighting."""
    h, w = img.shape[:2]
    gx, gy = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    if rng.random() < 0.5:  # bent page: a slow wave along x, stronger at one end
        amp = h * rng.uniform(0.04, 0.12)
        dy = amp * np.sin(np.pi * gx / w * rng.uniform(0.5, 1.5) + rng.uniform(0, np.pi))
        dx = np.zeros_like(dy)
        light = 1 - 0.12 * np.cos(np.pi * gx / w * rng.uniform(0.5, 2) + rng.uniform(0, np.pi))
    else:  # crumpled: random smooth field and creases
        s = max(6, min(h, w) * rng.uniform(0.2, 0.5))
        dx, dy = smooth_noise(rng, h, w, s, h * 0.03), smooth_noise(rng, h, w, s, h * 0.03)
        light = 1 + smooth_noise(rng, h, w, s, 0.06)
        for _ in range(int(rng.integers(1, 4))):  # crease: a bright/dark line pair
            p = rng.uniform(0, 1, 4) * [w, h, w, h]
            crease = np.zeros((h, w), np.float32)
            cv2.line(crease, (int(p[0]), int(p[1])), (int(p[2]), int(p[3])), 1.0, 1)
            light -= cv2.GaussianBlur(crease, (5, 5), 0) * rng.uniform(0.05, 0.2)
    out = cv2.remap(img, gx + dx, gy + dy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    return out * light[..., None]


def correction_patch(rng, img, ink_box, ghost_ink):
    """Correction fluid/tape over part of the formula area; faint old strokes show through (drawn
    before the formula, which is then written over the patch)."""
    h, w = img.shape[:2]
    x0, y0, x1, y1 = ink_box
    pw = (x1 - x0) * rng.uniform(0.15, 0.5)
    px = rng.uniform(x0, max(x0 + 1, x1 - pw))
    ph = (y1 - y0) * rng.uniform(0.6, 1.3)
    py = (y0 + y1) / 2 - ph / 2 + rng.normal(0, 0.1) * (y1 - y0)
    ghost = np.zeros((h, w), np.float32)
    for _ in range(int(rng.integers(2, 7))):  # old writing under the fluid
        a = (rng.uniform(px, px + pw), rng.uniform(py, py + ph))
        b = (rng.uniform(px, px + pw), rng.uniform(py, py + ph))
        cv2.line(ghost, tuple(int(v) for v in a), tuple(int(v) for v in b), 1.0, max(1, int(h / 40)))
    img = img * (1 - ghost[..., None]) + ghost_ink * ghost[..., None]
    mask = np.zeros((h, w), np.float32)
    if rng.random() < 0.5:
        cv2.ellipse(mask, (int(px + pw / 2), int(py + ph / 2)), (int(pw / 2) + 1, int(ph / 2) + 1), rng.uniform(-10, 10), 0, 360, 1.0, -1)
    else:
        cv2.rectangle(mask, (int(px), int(py)), (int(px + pw), int(py + ph)), 1.0, -1)
    mask = cv2.GaussianBlur(mask, (3, 3), 0)
    # fluid is whiter than the paper around it (and a little tinted), so the patch reads as a patch
    paper_level = float(np.median(img[int(max(0, py)):int(py + ph) + 1, int(px):int(px + pw) + 1]))
    white = np.clip(paper_level + rng.uniform(0.05, 0.15) + rng.uniform(-0.02, 0.02, 3), 0.9, 1.0).astype(np.float32)
    k = int(max(3, h / 12)) | 1
    edge = np.clip(cv2.GaussianBlur(mask, (k, k), 0) - mask, 0, 1)  # the fluid's raised rim casts a shade
    covered = mask * rng.uniform(0.75, 0.95)
    out = img * (1 - covered[..., None]) + white * covered[..., None]
    return out * (1 - rng.uniform(0.6, 1.2) * edge[..., None])


def cut_off(rng, img, ink_box):
    """The photo edge cuts the formula: no margin on one or two sides and a thin slice of ink lost
    (a few percent, so every symbol stays identifiable and the label stays the full formula)."""
    h, w = img.shape[:2]
    x0, y0, x1, y1 = ink_box
    sides = rng.choice(["left", "right", "top", "bottom"], size=int(rng.integers(1, 3)), replace=False)
    l, t, r, b = 0, 0, w, h
    if "left" in sides:
        l = int(x0 + rng.uniform(0, 0.02) * (x1 - x0))
    if "right" in sides:
        r = int(x1 - rng.uniform(0, 0.02) * (x1 - x0))
    if "top" in sides:
        t = int(y0 + rng.uniform(0, 0.06) * (y1 - y0))
    if "bottom" in sides:
        b = int(y1 - rng.uniform(0, 0.06) * (y1 - y0))
    return img[t:max(b, t + 4), l:max(r, l + 4)]


CROP_REFERENCE_H = 64  # the recognizer's input height: a typical crop, the size page blur is scaled from


def blur_jpeg(rng, img, formula_h=None):
    """Defocus or motion blur, a resolution loss, and JPEG compression.

    Blur sizes are in a formula crop's pixels. A whole page passes the height of its formula crops (`formula_h`)
    and the blur and the resolution loss shrink with it, so that its formulas come out as blurred as crops of
    them would be (formulas taller than a typical crop are blurred as a typical crop). Measured in the page's
    own pixels instead, the defocus reached sigma 9 px and the resolution loss halved 10-px text on 640-px
    pages, and nobody could read their formulas."""
    h, w = img.shape[:2]
    k = 1.0 if formula_h is None else min(1.0, max(formula_h, 1.0) / CROP_REFERENCE_H)
    ref_h = h if formula_h is None else CROP_REFERENCE_H
    if rng.random() < 0.6:
        s = k * rng.uniform(0.5, 1.2 + ref_h / 80)
        img = cv2.GaussianBlur(img, (0, 0), s)
    else:
        n = max(2, round(k * int(rng.integers(3, 8))))
        kernel = np.zeros((n, n), np.float32)
        kernel[n // 2, :] = 1.0 / n
        m = cv2.getRotationMatrix2D((n / 2 - 0.5, n / 2 - 0.5), rng.uniform(0, 180), 1.0)
        kernel = cv2.warpAffine(kernel, m, (n, n))
        img = cv2.filter2D(img, -1, kernel / max(kernel.sum(), 1e-6))
    if rng.random() < 0.5:
        f = min(1.0, rng.uniform(0.5, 0.85) / k)
        if f < 1.0:
            small = cv2.resize(img, (max(4, int(w * f)), max(4, int(h * f))), interpolation=cv2.INTER_AREA)
            img = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)
    return jpeg(img, int(rng.integers(10, 50)))


def jpeg(img, quality):
    u8 = (np.clip(img, 0, 1) * 255).astype(np.uint8)
    ok, buf = cv2.imencode(".jpg", u8, [cv2.IMWRITE_JPEG_QUALITY, quality])
    return cv2.imdecode(buf, cv2.IMREAD_UNCHANGED).astype(np.float32) / 255


def sensor(rng, img, amount=None):
    """Mild camera noise and exposure variation, applied to every cell (real photos are never clean)."""
    a = amount if amount is not None else rng.uniform(0.0, 0.02)
    img = img * rng.uniform(0.9, 1.05) + rng.uniform(-0.03, 0.03)
    return np.clip(img + rng.normal(0, a, img.shape).astype(np.float32), 0, 1)
