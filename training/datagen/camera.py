"""A phone camera between the paper and the engine: what a student's photo of a printed formula goes
through. Each effect is one function of (rng, image) on float32 RGB in 0..1 with its range in
RANGES (documented in training/DATASET.md, 'The camera model'); `photograph` applies them in the
order light and optics and sensor meet them, and `only` applies one, for the dev set's single-condition
cells. Sizes are in the pixels of the rendered formula, whose x-height is passed in (`x_height`), so a
blur or a downscale means the same to a small and a large formula.

Why a model of the whole chain: the recognizer read typeset formulas well clean and badly under the
ordinary conditions of a phone (noise sigma 0.04, a soft shadow, a little tilt and blur), and one
condition at a time showed noise and shadow as the worst. A chain with each range stated makes the
dev set's conditions explicit and lets training draw the same conditions on purpose.
"""
import cv2
import numpy as np

from . import effects

# Each effect's range; an ordinary phone photo draws every one of them.
RANGES = {
    "tilt_deg": (-4.0, 4.0),            # rotation in the image plane
    "perspective": (0.0, 0.04),         # corner displacement, share of the crop's size
    "light_gradient": (0.0, 0.45),      # darkening across the crop from uneven light
    "shadow_depth": (0.15, 0.5),        # a soft cast shadow (hand, phone) over part of the crop
    "vignette": (0.0, 0.25),            # corner darkening
    "tint": (0.0, 0.12),                # paper colour: cream, grey, blue-grey
    "texture": (0.0, 0.03),             # paper fibre and unevenness
    "defocus_px": (0.3, 1.1),           # Gaussian sigma at x-height 20 px
    "motion_px": (0.0, 2.0),            # motion blur length at x-height 20 px
    "x_height_px": (8.0, 20.0),         # the phone's downscale: x-height after it
    "read_noise": (0.005, 0.02),        # signal-independent sensor noise (sigma)
    "shot_noise": (0.01, 0.04),         # signal-dependent noise: sigma at full brightness
    "denoise": (0.0, 1.0),              # share of photos smoothed by the phone's denoiser
    "jpeg_quality": (55, 92),
}
# The dev set's single-condition cells: one effect each, drawn at the top of its range.
SINGLE = ("tilt", "perspective", "shadow", "light", "vignette", "tint", "noise", "blur", "downscale", "jpeg")
REFERENCE_X_HEIGHT = 20.0


def x_height_of(cov):
    """About the x-height in pixels of the formula in an ink coverage map: the median height of its
    glyphs (connected pieces of solid ink), a little less since digits and capitals are taller.
    Camera effects are scaled by it, so a fraction is not blurred as if its whole height were one line."""
    n, _, stats, _ = cv2.connectedComponentsWithStats((cov > 0.5).astype(np.uint8), connectivity=8)
    heights = stats[1:, cv2.CC_STAT_HEIGHT]
    heights = heights[heights >= 3]
    return float(np.median(heights)) / 1.2 if len(heights) else REFERENCE_X_HEIGHT


def _u(rng, key, strength=None):
    lo, hi = RANGES[key]
    return float(rng.uniform(lo, hi) if strength is None else lo + strength * (hi - lo))


def tilt(rng, img, strength=None):
    a = _u(rng, "tilt_deg") if strength is None else strength * RANGES["tilt_deg"][1] * rng.choice([-1, 1])
    # the canvas grows so that no corner of the formula is cut off (a crop of a tilted line holds it whole)
    return effects.rotate(img, a, replicate=True)[0]


def perspective(rng, img, strength=None):
    h, w = img.shape[:2]
    d = _u(rng, "perspective", strength) * min(h, w)
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    dst = src + rng.uniform(-d, d, (4, 2)).astype(np.float32)
    m = cv2.getPerspectiveTransform(src, dst)
    return cv2.warpPerspective(img, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def light(rng, img, strength=None):
    """Uneven light: brightness falls linearly across the crop in a random direction."""
    h, w = img.shape[:2]
    gy, gx = np.mgrid[0:h, 0:w].astype(np.float32)
    ang = rng.uniform(0, 2 * np.pi)
    t = (np.cos(ang) * gx / w + np.sin(ang) * gy / h)
    t = (t - t.min()) / max(np.ptp(t), 1e-6)
    return img * (1 - _u(rng, "light_gradient", strength) * t)[..., None]


def shadow(rng, img, strength=None):
    """A soft-edged cast shadow over part of the crop (a hand or the phone itself)."""
    h, w = img.shape[:2]
    gy, gx = np.mgrid[0:h, 0:w].astype(np.float32)
    ang = rng.uniform(0, 2 * np.pi)
    t = np.cos(ang) * (gx - w * rng.uniform(0.2, 0.8)) + np.sin(ang) * (gy - h * rng.uniform(0.2, 0.8))
    soft = max(2.0, min(h, w) * rng.uniform(0.05, 0.3))
    mask = 1 / (1 + np.exp(-t / soft))
    return img * (1 - _u(rng, "shadow_depth", strength) * mask)[..., None]


def vignette(rng, img, strength=None):
    h, w = img.shape[:2]
    gy, gx = np.mgrid[0:h, 0:w].astype(np.float32)
    r2 = ((gx - w / 2) / (w / 2)) ** 2 + ((gy - h / 2) / (h / 2)) ** 2
    return img * (1 - _u(rng, "vignette", strength) * np.clip(r2 / 2, 0, 1))[..., None]


def tint(rng, img, strength=None):
    """Paper colour and texture: a tint multiplies the page, fibre noise and slow unevenness add to it."""
    k = _u(rng, "tint", strength)
    colour = np.array([1.0, 1 - k * rng.uniform(0.2, 0.6), 1 - k * rng.uniform(0.6, 1.0)], np.float32)
    if rng.random() < 0.3:  # grey or blue-grey recycled paper
        colour = np.array([1 - k, 1 - k * 0.8, 1 - k * 0.5], np.float32)
    h, w = img.shape[:2]
    slow = cv2.resize(rng.normal(0, 1, (max(2, h // 16), max(2, w // 16))).astype(np.float32), (w, h),
                      interpolation=cv2.INTER_CUBIC)
    texture = _u(rng, "texture", strength) * (0.6 * slow + 0.4 * rng.normal(0, 1, (h, w)).astype(np.float32))
    return np.clip(img * colour + texture[..., None], 0, 1)


def blur(rng, img, x_height, strength=None):
    """Defocus (Gaussian), and in a third of photos a short motion blur, both scaled to the x-height."""
    k = x_height / REFERENCE_X_HEIGHT
    img = cv2.GaussianBlur(img, (0, 0), k * _u(rng, "defocus_px", strength))
    if strength is not None or rng.random() < 0.33:
        n = int(round(k * _u(rng, "motion_px", strength)))
        if n >= 2:
            kernel = np.zeros((n, n), np.float32)
            kernel[n // 2, :] = 1.0 / n
            m = cv2.getRotationMatrix2D((n / 2 - 0.5, n / 2 - 0.5), rng.uniform(0, 180), 1.0)
            kernel = cv2.warpAffine(kernel, m, (n, n))
            img = cv2.filter2D(img, -1, kernel / max(kernel.sum(), 1e-6))
    return img


def downscale(rng, img, x_height, strength=None):
    """The phone's own resolution: the crop is resampled so its x-height becomes 8-20 px (the low end
    at full strength); never enlarged."""
    target = RANGES["x_height_px"][0] if strength is not None else _u(rng, "x_height_px")
    f = min(1.0, target / max(x_height, 1.0))
    if f >= 1.0:
        return img, x_height
    h, w = img.shape[:2]
    return cv2.resize(img, (max(4, round(w * f)), max(4, round(h * f))), interpolation=cv2.INTER_AREA), x_height * f


def noise(rng, img, strength=None):
    """Sensor noise: shot noise grows with the signal (sigma^2 = read^2 + shot^2 x brightness), per
    channel; then, in some photos, the phone's denoiser smooths it (a bilateral filter that keeps
    edges and leaves blotches)."""
    read, shot = _u(rng, "read_noise", strength), _u(rng, "shot_noise", strength)
    sigma = np.sqrt(read ** 2 + shot ** 2 * np.clip(img, 0, 1))
    img = np.clip(img + rng.normal(0, 1, img.shape).astype(np.float32) * sigma, 0, 1).astype(np.float32)
    if strength is None and rng.random() < RANGES["denoise"][1] * 0.5:
        img = cv2.bilateralFilter(img, 5, float(rng.uniform(0.05, 0.15)), 3)
    return img


def jpeg(rng, img, strength=None):
    lo, hi = RANGES["jpeg_quality"]
    q = int(round(rng.uniform(lo, hi) if strength is None else hi - strength * (hi - lo)))
    u8 = (np.clip(img, 0, 1) * 255 + 0.5).astype(np.uint8)
    ok, buf = cv2.imencode(".jpg", u8, [cv2.IMWRITE_JPEG_QUALITY, q])
    return cv2.imdecode(buf, cv2.IMREAD_UNCHANGED).astype(np.float32) / 255


def photograph(rng, img, x_height):
    """The whole chain, every effect drawn from its range: geometry, light, paper, optics, the phone's
    downscale, sensor noise and denoiser, JPEG."""
    img = tint(rng, img)
    img = perspective(rng, tilt(rng, img))
    img = vignette(rng, shadow(rng, light(rng, img)))
    img = blur(rng, img, x_height)
    img, x_height = downscale(rng, img, x_height)
    return jpeg(rng, noise(rng, img))


def only(rng, img, x_height, condition):
    """One condition of SINGLE at full strength, nothing else (the image stays clean otherwise)."""
    if condition == "blur":
        return blur(rng, img, x_height, 1.0)
    if condition == "downscale":
        return downscale(rng, img, x_height, 1.0)[0]
    effects = {"tilt": tilt, "perspective": perspective, "shadow": shadow, "light": light,
               "vignette": vignette, "tint": tint, "noise": noise, "jpeg": jpeg}
    return np.clip(effects[condition](rng, img, 1.0), 0, 1)
