"""Builds the dataset card: training/DATASET.md and a mosaic PNG per cell in training/dataset_card/.
`python3 -m training.datagen.card --rec train=/work/cache/rec/synth-v1 --rec val=... --pages train=... \
 [--katex-log FILE]`. Counts "generated" are read from each directory's labels.tsv / pages.jsonl."""
import argparse
import collections
import json
import os

import cv2
import numpy as np

from . import spec as spec_mod
from .styles import PRINTED_FACES, HAND_FONTS

TRAINING = os.path.dirname(spec_mod.SPEC_PATH)
CARD_DIR = os.path.join(TRAINING, "dataset_card")
TILE_H, TILE_W, PER_CELL = 44, 260, 6

NOISE_DOC = {
    "clean": "paper texture, ink colour, faint sensor noise only",
    "shadow": "soft cast shadow polygon plus an uneven light gradient",
    "rotation": "crop of a rotated formula (N(0,5 deg), 20% uniform +-15 deg), as after detector straightening",
    "highlighter": "translucent marker band (yellow/green/pink/blue/orange) over the formula, multiply blend",
    "curved_paper": "bent page (slow wave) or crumpled paper (smooth field + creases), with shading",
    "cut_off": "no margin on 1-2 sides and up to 2% (x) / 6% (y) of the ink cut; every symbol stays legible",
    "correction_fluid": "correction fluid/tape patch over old strokes, the formula rewritten on top",
    "blur_jpeg": "defocus or motion blur, optional down/up-sampling, JPEG quality 10-50 (on pages scaled to the height of their formula crops)",
    "lined_grid": "ruled notebook lines or square grid under the ink",
}


TEX_RENDERING = "- **Printed, real TeX** (`training/datagen/tex_render.py`, `tex_pack.py`): school formulas typeset by TeX Live (`latex` + `dvipng`, the `preview` package cutting one formula a page, 500 formulas a run: 20,000 formulas in 7 minutes on one core shared with a build) in 14 math font families, split in two: **training** draws from lmodern, mathptmx, mathpazo, eulervm, cmbright, libertine (+newtxmath), mathdesign charter, concrete (+eulervm); the **printed-photo dev set** from Computer Modern, newtx, newpx, fourier, kpfonts and stix2, so it is read in faces this renderer never trained on. Per formula: text or display style (40% display), `\\normalsize`/`\\large`/`\\Large`, one in ten `\\boldmath`; 240-600 dpi per batch. `python3 -m training.datagen.tex_pack --out DIR --count N` writes them as ink coverage in a pack's layout (`DIR/synth/`, cell `high/printed`), read with `--extra-coverage DIR=SHARE`; formulas come from `school_train.txt` only."


def read_labels(d):
    rows = []
    with open(os.path.join(d, "labels.tsv"), encoding="utf-8") as f:
        for line in f:
            name, label, cell = line.rstrip("\n").split("\t")
            rows.append((name, label, cell))
    return rows


def tile(img):
    h, w = img.shape
    s = TILE_H / h
    img = cv2.resize(img, (max(1, min(TILE_W, int(w * s))), TILE_H), interpolation=cv2.INTER_AREA)
    out = np.full((TILE_H, TILE_W), 255, np.uint8)
    out[:, :img.shape[1]] = img
    return out


def cell_mosaic(d, rows, cell, path):
    picks = [n for n, _, c in rows if c == cell][:PER_CELL]
    tiles = [tile(cv2.imread(os.path.join(d, "images", n + ".png"), cv2.IMREAD_GRAYSCALE)) for n in picks]
    while len(tiles) < PER_CELL:
        tiles.append(np.full((TILE_H, TILE_W), 200, np.uint8))
    pad = lambda t: np.pad(t, 2, constant_values=128)
    grid = np.vstack([np.hstack([pad(t) for t in tiles[i:i + 2]]) for i in range(0, PER_CELL, 2)])
    cv2.imwrite(path, grid, [cv2.IMWRITE_PNG_COMPRESSION, 9])


def pages_mosaic(d, path, n=4):
    pages = [json.loads(line) for line in open(os.path.join(d, "pages.jsonl"), encoding="utf-8")][:n]
    ims = []
    for p in pages:
        im = cv2.imread(os.path.join(d, "images", p["image"]))
        for f in p["formulas"]:
            q = np.array(f["quad"], np.int32)
            cv2.polylines(im, [q], True, (0, 0, 255) if not f["inline"] else (255, 0, 0), 1)
            cv2.circle(im, tuple(int(v) for v in q[0]), 3, (0, 200, 0), -1)
        ims.append(cv2.resize(im, (int(im.shape[1] * 220 / im.shape[0]), 220), interpolation=cv2.INTER_AREA))
    # colour depth reduced so the committed PNG stays small (< 150 KB)
    cv2.imwrite(path, (np.hstack(ims) // 16) * 16 + 8, [cv2.IMWRITE_PNG_COMPRESSION, 9])
    return pages


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rec", action="append", default=[], help="split[_tag]=DIR of a make_rec output")
    ap.add_argument("--pages", action="append", default=[], help="split=DIR of a make_pages output")
    ap.add_argument("--mosaic-from", default=None, help="split whose samples fill the mosaics (default: first --rec)")
    ap.add_argument("--katex-log", action="append", default=[], help="CMD=FILE: a katex_check run and its output")
    a = ap.parse_args()
    spec = spec_mod.load()
    os.makedirs(CARD_DIR, exist_ok=True)
    rec = dict(x.split("=", 1) for x in a.rec)
    pages = dict(x.split("=", 1) for x in a.pages)
    rows = {s: read_labels(d) for s, d in rec.items()}
    generated = {s: collections.Counter(c for _, _, c in r) for s, r in rows.items()}
    stats = {s: json.load(open(os.path.join(d, "stats.json"))) for s, d in rec.items() if os.path.exists(os.path.join(d, "stats.json"))}
    msplit = a.mosaic_from or next(iter(rec))
    splits = list(spec["splits"])
    L = ["# mathsnap training data: dataset card", "",
         "Generated by `python3 -m training.datagen.card` from `training/dataset_spec.yaml` (the spec) and the "
         "generated caches; do not edit by hand. Nothing generated is committed: only the spec, the code, this card "
         "and the mosaics.", "",
         "## How to make it", "", "```",
         "pip install -r training/requirements.txt; (cd training/datagen/node && npm ci)",
         "xargs apt-get install -y < training/datagen/APT_PACKAGES   # fonts",
         "nice -n 10 python3 -m training.datagen.make_rec --split train --out /work/cache/rec/synth-v1 --count 40000 --seed 1",
         "nice -n 10 python3 -m training.datagen.make_rec --split train --out /work/cache/rec/synth-v2 --seed 4   # spec total, 60000",
         "nice -n 10 python3 -m training.datagen.make_rec --split val --out /work/cache/rec/synth-val --seed 2     # 1000",
         "nice -n 10 python3 -m training.datagen.make_rec --split test --out /work/cache/rec/synth-test --seed 3   # 2400",
         "nice -n 10 python3 -m training.datagen.make_pages --split train --out /work/cache/pages/train --count 3000 --seed 11",
         "nice -n 10 python3 -m training.datagen.make_pages --split test --out /work/cache/pages/test --count 200 --seed 12",
         "training/run_tests.sh            # pytest + KaTeX over N=2000 formulas (N=10000 for the evidence below)",
         "python3 -m training.datagen.bench",
         "python3 -m training.datagen.card --rec train=/work/cache/rec/synth-v1 --rec train_v2=/work/cache/rec/synth-v2 --rec val=... --rec test=... --mosaic-from train --pages train=... --pages test=... --katex-log 'CMD=LOG' ...",
         "```", "",
         "Without `--count` a split gets the spec's total; with it, the same proportions. Sample *i* depends only on "
         "(seed, split, i) and cells are interleaved, so any prefix of a run is balanced.", "",
         "## Spec", "",
         "| split | recognizer crops (spec) | pages (spec) |", "| --- | --- | --- |"]
    for s in splits:
        L.append(f"| {s} | {spec['splits'][s]} | {spec['pages']['splits'].get(s, 0)} |")
    L += ["", "Axis weights (a cell's share is the product): " + "; ".join(
        f"**{ax}** " + ", ".join(f"{k} {v}" for k, v in w.items()) for ax, w in spec["axes"].items()), "",
        "Formula sources per level: " + "; ".join(
            f"{lv}: grammar {m['grammar']}, school list {m['school']}" + (f", symbols {m['symbols']}" if m.get("symbols") else "")
            for lv, m in spec["sources"].items()) +
        " (school_train.txt for train, school_val.txt for val/test; CROHME test2014 and photos-dev are never read). "
        "The symbols share is drawn first (`formulas/symbols.py`: the vocabulary's rare symbols, so every token is "
        "trained); grammar and school list share the rest.", "",
        f"Crop: formula height {spec['crop']['formula_height_px']} px, margin {spec['crop']['margin_frac']} of the "
        "height per side (independently), at least 2 px. Grayscale PNG.", "",
        "## Cells", "",
        "Counts per cell: spec totals for each split, and what the caches listed below actually hold. Mosaic: the first "
        f"six samples of the cell in the `{msplit}` set.", "",
        "| cell | " + " | ".join(f"spec {s}" for s in splits) + " | " + " | ".join(f"generated {s}" for s in rec) + " | mosaic |",
        "| --- " * (2 + len(splits) + len(rec)) + "|"]
    for cell, _ in spec_mod.cells(spec):
        fname = cell.replace("/", "__") + ".png"
        cell_mosaic(rec[msplit], rows[msplit], cell, os.path.join(CARD_DIR, fname))
        L.append(f"| `{cell}` | " + " | ".join(str(spec_mod.cell_counts(spec, s)[cell]) for s in splits) + " | " +
                 " | ".join(str(generated[s][cell]) for s in rec) + f" | ![{cell}](dataset_card/{fname}) |")
    L += ["", "Generated caches: " + "; ".join(f"{s}: `{d}` ({len(rows[s])} samples)" for s, d in rec.items()), ""]
    for s in rec:
        split = s.split("_")[0]  # e.g. train_v2: a second cache of the train split
        # a run with --count N must hold exactly the spec's allocation of N over the cells
        expected = {c: n for c, n in spec_mod.cell_counts(spec, split, len(rows[s])).items() if n}
        ok = dict(generated[s]) == expected
        L.append(f"- `{s}`: per-cell counts {'match' if ok else 'DO NOT match'} the spec's allocation of "
                 f"{len(rows[s])} samples" + (" (the spec total)" if len(rows[s]) == spec["splits"][split] else
                                              f" (spec total {spec['splits'][split]}, same proportions)"))
    L.append("")
    for s, st in stats.items():
        L.append(f"- `{s}`: {st['count']} samples in {st['seconds']} s ({st['samples_per_s']}/s, one process), "
                 f"{st['render_attempts_per_sample']} render attempts per sample; typefaces used: " +
                 ", ".join(f"{k} {v}" for k, v in sorted(st["faces"].items(), key=lambda kv: -kv[1])))
    L += ["", "## Rendering", "",
          "- Layout always comes from MathJax 3 (TeX input, SVG output, `mathjax-full`), so every style follows the LaTeX "
          "structure: fractions, scripts, roots, matrices, cases. SVG -> PNG with `@resvg/resvg-js` in a long-lived node "
          "worker (`training/datagen/node/render_worker.mjs`).",
          "- **Printed**: MathJax's TeX glyphs, or a second typeface substituted glyph by glyph into MathJax's boxes "
          "(opentype.js outlines, fitted to each glyph's box, italic/bold faces for math italic/bold): " +
          ", ".join(sorted(PRINTED_FACES)) + "; random weight (outline stroke), ink colour, paper.",
          "- **Handwritten**: letters, digits and simple operators from handwriting fonts (" + ", ".join(sorted(HAND_FONTS)) +
          "), other symbols from perturbed TeX outlines; per writer: slant, pen width, per-glyph size drift, jitter, "
          "rotation, smooth wobble, baseline wander, hand-drawn fraction bars; then an elastic distortion of the raster. "
          "Real CROHME handwriting is mixed in by the trainer. With `--glyph-bank` (make_rec, make_pack), handwriting is "
          "drawn instead in real handwritten glyphs cut from one-line CROHME *train* formulas (`glyph_bank.py`: 25,059 "
          "glyphs of 95 symbols by about 600 writers; one writer per formula where they wrote the symbol), placed in "
          "MathJax's layout; symbols the bank lacks keep the outlines.",
          TEX_RENDERING,
          "- Every label is `canonical(...)` of the rendered source, uses only `spec/vocab.txt` tokens, and is rendered by "
          "KaTeX (`throwOnError`) in the worker before the sample is kept; failures are resampled.", "",
          "## Noise cells", ""]
    L += [f"- `{k}`: {v}" for k, v in NOISE_DOC.items()]
    L += ["", "Every cell but `clean` then goes through the camera model below (`clean`: a trace of sensor noise only).", ""]
    # the camera model and the printed-photo dev set are described once, in camera_card.md
    L += open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "camera_card.md"), encoding="utf-8").read().splitlines()
    L += [""]
    if pages:
        L += ["## Detector pages", "",
              "1-12 formulas per page among Korean/English prose (Nanum fonts), problem numbers, inline formulas inside "
              "text lines and display formulas on their own lines, diagram/table distractors, ruled paper sometimes; "
              "the page is photographed on a desk (perspective, rotation up to +-45 deg and 90/180/270 turns, shadow, "
              "curved paper, blur/JPEG) and saved at 640 px on the long side. Ground truth: quad (clockwise from the "
              "formula's own top-left), canonical LaTeX, reading order, inline flag, and a per-pixel mask PNG.", ""]
        for s, d in pages.items():
            if not os.path.exists(os.path.join(d, "pages.jsonl")):
                continue
            ps = [json.loads(line) for line in open(os.path.join(d, "pages.jsonl"), encoding="utf-8")]
            nf = [len(p["formulas"]) for p in ps]
            inl = sum(f["inline"] for p in ps for f in p["formulas"])
            noise = collections.Counter(p["noise"] for p in ps)
            st_path = os.path.join(d, "stats.json")
            st = json.load(open(st_path)) if os.path.exists(st_path) else {}
            rate = f"; {st['pages_per_s']} pages/s (one process)" if st.get("pages_per_s") and not st.get("resumed_from") else ""
            L.append(f"- `{s}`: `{d}`: {len(ps)} pages, {sum(nf)} formulas ({inl} inline), {min(nf)}-{max(nf)} per page; "
                     "noise " + ", ".join(f"{k} {v}" for k, v in sorted(noise.items())) + rate)
        first = next(iter(pages.values()))
        if os.path.exists(os.path.join(first, "pages.jsonl")):
            pages_mosaic(first, os.path.join(CARD_DIR, "pages.png"))
            L += ["", "![pages](dataset_card/pages.png) (red: display, blue: inline, green dot: quad's first point)", ""]
        L += ["The detector's trainer cuts its crops from these pages (`training/detector/data.py`: page scale 0.5-2.0 "
              "relative to 640 px, tilt and turns, colour, blur, noise and JPEG jitter) and, with `train --close-ups "
              "SHARE`, makes that share of crops close-ups instead: one CROHME *train* image (the recognizer's hold-out "
              "left out) spanning 45-100% of the crop, level or tilted up to 6°, under the same jitter, its ink's box "
              "the target (`training/detector/close_ups.py`). The shipped detector trained its last 14,400 crops with "
              "15% close-ups. CROHME's licence (research, non-commercial) then applies to the detector too "
              "(`MODEL_CARD.md`, \"Data licences\").", ""]
    L += ["## Real corrections (user data)", "",
          "Besides the generated sets and CROHME, the trainer can mix in real labelled crops with "
          "`python3 -m training.mathsnap_train.train --real DIR_OR_ZIP [...] --real-share S` (default 0.1 of the "
          "samples): corrections exported from the app (a .zip holding `correction-0001.png`, ... at its root, "
          "`labels.tsv` as `<image>\\t<latex>` rows, and `manifest.json` of format `mathsnap-corrections`) and "
          "labelling batches made from photos with `mathsnap read --save-crops DIR` (format `mathsnap-crops`; the "
          "engine's readings, to be corrected by hand first). `training/mathsnap_train/real_sets.py` checks every row "
          "(label in canonical form and in the vocabulary, image present and readable), drops repeated images "
          "(identical bytes, across all sources given) and prints a summary per source with the first reasons on "
          "stderr. Nothing of this data is generated, cached in git or committed. **Ownership and licence**: an "
          "export belongs to the user who made it, and its licence is whatever that user grants; train on it only "
          "with their permission and do not redistribute it with the project's data. Review it before training "
          "(`LABELING_GUIDE.md`, \"Reviewing exported corrections\").", ""]
    L += ["## Tests and figures", ""]
    for entry in a.katex_log:
        cmd, path = entry.rsplit("=", 1)
        if os.path.exists(path):
            L += [f"KaTeX check (`{cmd}`):", "", "```", open(path).read().strip(), "```", ""]
    bench = os.path.join(CARD_DIR, "bench.json")
    if os.path.exists(bench):
        b = json.load(open(bench))
        L += [f"Throughput (`python3 -m training.datagen.bench`, {b['rec_n']} crops, {b['pages_n']} pages): "
              f"**{b['rec_samples_per_s_per_core']} recognizer samples/s per core**, **{b['pages_per_s_per_core']} pages/s "
              f"per core**; the full spec ({sum(spec['splits'].values())} crops + {sum(spec['pages']['splits'].values())} "
              f"pages) takes about **{b['full_spec_hours_one_core']} h on one core** at these rates. Measured as "
              f"{b['note']}; the uncontended rates of the real runs are listed with the caches above.", ""]
    L += ["## Known limitations", "",
          "- Labels the canonicaliser would make un-renderable are resampled, not fixed: a function name as a bare "
          "script (`f(x)_{\\max}` -> `f(x)_\\max`), `{}_{n}C_{r}` right after another script (becomes a double "
          "subscript), and `\\overparen` (in the vocabulary, unknown to KaTeX). See `training/datagen/labels.py`.",
          "- `cut_off` cuts only margins and slivers of ink, so the label stays the full formula; heavier cuts need "
          "the labeling guide's partial-label rule and are not synthesised.",
          "- Handwriting is font- and outline-based (10 handwriting fonts + perturbed TeX outlines), or with the glyph "
          "bank real CROHME glyphs for CROHME's 95 symbols only: `\\partial`, `\\nabla`, most Greek capitals and "
          "arrows are never real handwriting. Real whole formulas come from CROHME, mixed in by the trainer.",
          "- Caches are made by the code at the time of the run; `training/dataset_card/` mosaics show the cached "
          "samples. Later generator fixes (visible correction-fluid patches, no `1x` in factoring, page formula "
          "cap) apply to caches made after them (e.g. `synth-v2`); the first train pages run holds 16 pages with 13 "
          "formulas (one above the spec's 12).", ""]
    with open(os.path.join(TRAINING, "DATASET.md"), "w", encoding="utf-8") as f:
        f.write("\n".join(L) + "\n")


if __name__ == "__main__":
    main()
