"""Detector pages: `python3 -m training.datagen.make_pages --split train --out DIR --count N --seed S`.

Each page: 1-12 formulas (display lines and inline in Korean/English text), problem numbers, optional
diagram/table distractors, on paper, then photographed as a whole (perspective, rotation incl. page
turns, shadow, curved paper, blur/JPEG). Writes DIR/images/<name>.jpg, DIR/masks/<name>.png (formula
pixels = 255) and DIR/pages.jsonl (quads clockwise from each formula's own top-left, in saved pixels).
pages.jsonl is written last via a .tmp so a half-made set is never read."""
import argparse
import json
import os
import random
import sys
import time

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from . import effects, page_text, spec as spec_mod
from .formulas.source import sample as sample_formula
from .make_rec import hash_key
from .paper import paper, rule_lines, ink_colour, apply_ink
from .renderer import Renderer, RenderError
from .styles import printed_style, hand_style

LEVELS = ["elementary", "middle", "high"]
_fonts = {}


def font(path, size):
    key = (path, size)
    if key not in _fonts:
        _fonts[key] = ImageFont.truetype(path, size)
    return _fonts[key]


def text_coverage(text, size, path):
    """Ink coverage of one run of prose (PIL renders Hangul and Latin from the Nanum fonts)."""
    f = font(path, size)
    x0, y0, x1, y1 = f.getbbox(text)
    im = Image.new("L", (max(1, x1 - min(0, x0) + 2), size + size // 2), 0)
    ImageDraw.Draw(im).text((-min(0, x0) + 1, 0), text, font=f, fill=255)
    return np.asarray(im, np.float32) / 255, f.getmetrics()[0]  # coverage, ascent (baseline y)


def draw_text_into(cov, text, x, y, size, path):
    t, _ = text_coverage(text, size, path)
    paste(cov, t, x, y)


def paste(canvas, cov, x, y):
    h, w = cov.shape
    H, W = canvas.shape
    if x >= W or y >= H or x + w <= 0 or y + h <= 0:
        return
    xs, ys = max(0, -x), max(0, -y)
    xe, ye = min(w, W - x), min(h, H - y)
    region = canvas[y + ys:y + ye, x + xs:x + xe]
    np.maximum(region, cov[ys:ye, xs:xe], out=region)


def tight(cov):
    ys, xs = np.nonzero(cov > 0.08)
    if len(xs) == 0:
        return None
    return cov[ys.min():ys.max() + 1, xs.min():xs.max() + 1]


class PageBuilder:
    """Flows lines down a page; records each formula's box, label and whether it is inline."""

    def __init__(self, rng, r, renderer, split, spec, w, h):
        self.rng, self.r, self.renderer, self.split, self.spec = rng, r, renderer, split, spec
        self.w, self.h = w, h
        self.text_cov = np.zeros((h, w), np.float32)   # prose, numbers, distractors
        self.math_cov = np.zeros((h, w), np.float32)   # formulas
        self.formulas = []
        self.handwritten_page = rng.random() < 0.35
        self.text_size = int(rng.integers(16, 30))
        self.text_font = page_text.TEXT_FONTS[int(rng.integers(len(page_text.TEXT_FONTS)))]
        self.level = LEVELS[int(rng.integers(3))]
        self.margin = int(w * rng.uniform(0.04, 0.1))
        self.y = int(h * rng.uniform(0.03, 0.08))

    def formula(self, em):
        for _ in range(10):
            raw, label = sample_formula(self.r, self.level, self.split, self.spec["sources"])
            hand = self.handwritten_page or self.rng.random() < 0.1
            _, style = hand_style(self.rng) if hand else printed_style(self.rng)
            try:
                cov = self.renderer.render(raw, style, em=em, check=label)
            except RenderError:
                continue
            cov = tight(cov)
            if cov is not None and cov.shape[1] < self.w - 2 * self.margin and cov.shape[0] < self.h / 4:
                return cov, label
        return None, None

    def add_formula(self, cov, label, x, y, inline):
        h, w = cov.shape
        paste(self.math_cov, cov, x, y)
        self.formulas.append({"box": (x, y, x + w, y + h), "latex": label, "inline": inline})

    def text_line(self, n_inline, number=None):
        """Prose with up to n_inline formulas inside it, wrapped at the right margin."""
        x = self.margin
        size = self.text_size
        line_h = int(size * 1.9)
        pieces = []
        if number is not None:
            pieces.append(("text", page_text.problem_number(self.rng, number)))
        for k in range(n_inline + 1):
            pieces.append(("text", page_text.phrase(self.rng, (1, 4))))
            if k < n_inline:
                pieces.append(("math", None))
        placed = 0
        top = self.y  # nothing on this line may rise above the previous line's bottom
        bottom = self.y + line_h

        def wrap():
            nonlocal top, bottom
            self.y = top = bottom
            bottom = self.y + line_h
            return self.margin + size

        for kind, text in pieces:
            if kind == "text":
                cov, ascent = text_coverage(text, size, self.text_font)
                if x + cov.shape[1] > self.w - self.margin:
                    x = wrap()
                if bottom > self.h:
                    break
                paste(self.text_cov, cov, x, self.y)
                x += cov.shape[1] + size // 3
            else:
                cov, label = self.formula(em=size * self.rng.uniform(0.95, 1.25))
                if cov is None:
                    continue
                if x + cov.shape[1] > self.w - self.margin:
                    x = wrap()
                # centre the formula on the text's x-height band; tall ones push the next line down
                fy = max(top, self.y + int(size * 0.6) - cov.shape[0] // 2)
                if fy + cov.shape[0] > self.h:
                    break
                self.add_formula(cov, label, x, fy, inline=True)
                bottom = max(bottom, fy + cov.shape[0] + size // 3)
                placed += 1
                x += cov.shape[1] + size // 3
        self.y = bottom
        return placed

    def display_line(self):
        cov, label = self.formula(em=self.text_size * self.rng.uniform(1.0, 1.8))
        if cov is None or self.y + cov.shape[0] + 10 > self.h:
            return 0
        h, w = cov.shape
        centred = self.rng.random() < 0.5
        x = (self.w - w) // 2 if centred else self.margin + int(self.rng.integers(0, self.text_size * 3))
        self.y += int(self.text_size * 0.4)
        self.add_formula(cov, label, x, self.y, inline=False)
        self.y += h + int(self.text_size * self.rng.uniform(0.5, 1.2))
        return 1

    def distractor(self):
        w = int(self.w * self.rng.uniform(0.25, 0.5))
        h = int(w * self.rng.uniform(0.4, 0.8))
        if self.y + h > self.h:
            return
        x = int(self.rng.uniform(self.margin, self.w - self.margin - w))
        if self.rng.random() < 0.6:
            cov = page_text.diagram(self.rng, w, h)
        else:
            cov = page_text.table(self.rng, w, h, self.text_font, draw_text_into)
        paste(self.text_cov, cov, x, self.y)
        self.y += h + self.text_size

    def build(self, target):
        number = 1
        fill_to = self.h * self.rng.uniform(0.45, 0.95)  # then prose continues down the page
        while (len(self.formulas) < target or self.y < fill_to) and self.y < self.h - 2 * self.text_size:
            u = self.rng.random()
            if u < 0.12:
                self.distractor()
            elif u < 0.25 or len(self.formulas) >= target:
                self.text_line(0, number=number if self.rng.random() < 0.5 else None)
                number += 1
            elif u < 0.6:
                n_inline = min(int(self.rng.integers(1, 3)), target - len(self.formulas))  # never past the target
                self.text_line(n_inline, number=number if self.rng.random() < 0.4 else None)
            else:
                self.display_line()
        return self.formulas


def photograph(rng, img, mask, quads, noise, long_side):
    """Whole-page photo: the page on a desk, then the page noise cell; quads follow the geometry."""
    h, w = img.shape[:2]
    pad = int(max(h, w) * rng.uniform(0.02, 0.15))
    desk = np.array(rng.choice([(0.45, 0.3, 0.2), (0.2, 0.2, 0.22), (0.8, 0.8, 0.78), (0.55, 0.45, 0.35)]), np.float32)
    big = np.ones((h + 2 * pad, w + 2 * pad, 3), np.float32) * desk
    big[pad:pad + h, pad:pad + w] = img
    bm = np.zeros(big.shape[:2], np.uint8)
    bm[pad:pad + h, pad:pad + w] = mask
    quads = quads + pad
    H, W = big.shape[:2]
    src = np.float32([[0, 0], [W, 0], [W, H], [0, H]])
    jitter = 0.03 if noise != "perspective" else rng.uniform(0.05, 0.15)
    dst = (src + rng.uniform(-jitter, jitter, (4, 2)) * [W, H]).astype(np.float32)
    M = cv2.getPerspectiveTransform(src, dst)
    if noise == "rotation":
        angle = float(rng.choice([90, 180, 270])) if rng.random() < 0.3 else float(rng.uniform(-45, 45))
        R = np.vstack([cv2.getRotationMatrix2D((W / 2, H / 2), angle, 1.0), [0, 0, 1]])
        M = R @ M
    corners = cv2.perspectiveTransform(src[None], M)[0]
    x0, y0 = corners.min(0)
    x1, y1 = corners.max(0)
    T = np.array([[1, 0, -x0], [0, 1, -y0], [0, 0, 1]])
    M = T @ M
    ow, oh = int(x1 - x0), int(y1 - y0)
    s = long_side / max(ow, oh)
    M = np.diag([s, s, 1]) @ M
    ow, oh = int(ow * s), int(oh * s)
    border = tuple(float(v) for v in desk)
    img = cv2.warpPerspective(big, M, (ow, oh), flags=cv2.INTER_AREA, borderValue=border)
    mask = cv2.warpPerspective(bm, M, (ow, oh), flags=cv2.INTER_NEAREST)
    if len(quads):
        quads = cv2.perspectiveTransform(quads.reshape(1, -1, 2).astype(np.float64), M)[0].reshape(-1, 4, 2)
    if noise == "shadow":
        img = effects.shadow(rng, img)
    elif noise == "curved_paper":
        img, mask, quads = curve_page(rng, img, mask, quads)
    elif noise == "blur_jpeg":
        img = effects.blur_jpeg(rng, img, formula_h=crop_height(quads))
    img = effects.sensor(rng, img)
    return img, mask, quads


def crop_height(quads):
    """The median height of the page's formulas as recognizer crops (the quad plus a margin of 0.1 x height on
    each side), in the photo's pixels: the scale the crop-level photo effects are defined at."""
    if not len(quads):
        return 24.0
    heights = np.linalg.norm(quads[:, 3] - quads[:, 0], axis=1)
    return float(np.median(heights)) * 1.2


def curve_page(rng, img, mask, quads):
    """A bent page: a smooth vertical wave; the mask is remapped exactly, quad corners to first order."""
    h, w = img.shape[:2]
    amp, f, ph = h * rng.uniform(0.01, 0.03), rng.uniform(0.5, 1.5), rng.uniform(0, np.pi)
    gx, gy = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    dy = (amp * np.sin(np.pi * gx / w * f + ph)).astype(np.float32)
    img = cv2.remap(img, gx, gy + dy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    mask = cv2.remap(mask, gx, gy + dy, cv2.INTER_NEAREST)
    quads = quads.copy()
    quads[..., 1] -= amp * np.sin(np.pi * quads[..., 0] / w * f + ph)
    return img * (1 - 0.08 * np.cos(np.pi * gx / w * f + ph))[..., None], mask, quads


def make_page(renderer, spec, split, seed, i, noise):
    key = f"page/{seed}/{split}/{i}"
    r, rng = random.Random(key), np.random.default_rng(hash_key(key))
    pcfg = spec["pages"]
    portrait = rng.random() < 0.8
    long_px = int(pcfg["long_side_px"] * rng.uniform(1.4, 1.8))  # compose larger, photograph down
    w, h = (int(long_px * 0.72), long_px) if portrait else (long_px, int(long_px * 0.72))
    lo, hi = pcfg["formulas_per_page"]
    for _ in range(5):  # a page must hold at least one formula (a tall distractor can fill it first)
        b = PageBuilder(rng, r, renderer, split, spec, w, h)
        formulas = b.build(int(rng.integers(lo, hi + 1)))
        if formulas:
            break
    base = paper(rng, h, w)
    if rng.random() < 0.3:
        base = rule_lines(rng, base, formula_h=b.text_size * 1.9)
    base = apply_ink(base, b.text_cov, ink_colour(rng, False), rng.uniform(0.8, 1.0))
    base = apply_ink(base, b.math_cov, ink_colour(rng, b.handwritten_page), rng.uniform(0.8, 1.0))
    mask = np.zeros((h, w), np.uint8)
    quads = []
    for f in formulas:
        x0, y0, x1, y1 = f["box"]
        quads.append([[x0, y0], [x1, y0], [x1, y1], [x0, y1]])
        cv2.rectangle(mask, (x0, y0), (x1 - 1, y1 - 1), 255, -1)
    quads = np.array(quads, np.float64).reshape(-1, 4, 2)
    img, mask, quads = photograph(rng, base, mask, quads, noise, pcfg["long_side_px"])
    out = [{"quad": [[round(float(x), 1), round(float(y), 1)] for x, y in q], "latex": f["latex"], "order": k,
            "inline": f["inline"]} for k, (q, f) in enumerate(zip(quads, formulas))]
    return img, mask, out


def finished_lines(path):
    """Complete JSON lines of an interrupted run's pages.jsonl.tmp (a torn last line is dropped)."""
    if not os.path.exists(path):
        return []
    lines = []
    for line in open(path, encoding="utf-8"):
        try:
            json.loads(line)
        except ValueError:
            break
        if not line.endswith("\n"):
            break
        lines.append(line)
    return lines


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--split", choices=["train", "val", "test"], required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--count", type=int, default=None)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--spec", default=spec_mod.SPEC_PATH)
    ap.add_argument("--resume", action="store_true", help="keep the pages an interrupted run finished and go on")
    args = ap.parse_args(argv)
    cv2.setNumThreads(1)
    spec = spec_mod.load(args.spec)
    pcfg = spec["pages"]
    total = pcfg["splits"][args.split] if args.count is None else args.count
    counts = spec_mod.allocate(sorted(pcfg["noise"].items()), total)
    schedule = [n for n in sorted(counts) for _ in range(counts[n])]
    random.Random(f"pages/{args.seed}/{args.split}").shuffle(schedule)  # noise cells mixed through the run
    for d in ("images", "masks"):
        os.makedirs(os.path.join(args.out, d), exist_ok=True)
    tmp = os.path.join(args.out, "pages.jsonl.tmp")
    done = finished_lines(tmp) if args.resume else []
    t0 = time.time()
    with Renderer() as renderer, open(tmp, "w", encoding="utf-8") as out:
        out.writelines(done)  # page i depends only on (seed, split, i): finished pages stay valid
        for i, noise in enumerate(schedule):
            if i < len(done):
                continue
            img, mask, formulas = make_page(renderer, spec, args.split, args.seed, i, noise)
            name = f"{args.split}_{args.seed}_{i:06d}"
            u8 = cv2.cvtColor((np.clip(img, 0, 1) * 255).astype(np.uint8), cv2.COLOR_RGB2BGR)
            cv2.imwrite(os.path.join(args.out, "images", name + ".jpg"), u8, [cv2.IMWRITE_JPEG_QUALITY, 88])
            cv2.imwrite(os.path.join(args.out, "masks", name + ".png"), mask)
            out.write(json.dumps({"image": name + ".jpg", "mask": name + ".png", "width": u8.shape[1],
                                  "height": u8.shape[0], "noise": noise, "formulas": formulas},
                                 ensure_ascii=False) + "\n")
            if (i + 1) % 100 == 0:
                el = time.time() - t0
                print(f"{i + 1}/{total} {el:.0f}s {(i + 1) / el:.2f} pages/s", file=sys.stderr, flush=True)
    elapsed = time.time() - t0
    with open(os.path.join(args.out, "stats.json"), "w") as f:
        json.dump({"split": args.split, "seed": args.seed, "count": total, "noise": counts, "seconds": round(elapsed, 1),
                   "resumed_from": len(done), "pages_per_s": round((total - len(done)) / max(elapsed, 1e-9), 3)}, f, indent=1)
    os.replace(tmp, os.path.join(args.out, "pages.jsonl"))


if __name__ == "__main__":
    main()
