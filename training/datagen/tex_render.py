"""Formulas typeset by real TeX (TeX Live: latex + dvipng), in many math font families, sizes, styles
and weights, batched: one LaTeX run and one dvipng run render a whole batch, one formula a page (the
preview package cuts each page to its formula), so thousands render per minute.

Why: the data engine's other printed faces come from MathJax; students photograph pages typeset by
TeX in whatever fonts the publisher chose. Font families are split: DEV_FAMILIES render the
printed-photo dev set (training/devsets/printed_photo.py), TRAIN_FAMILIES are for training, so the
dev set is read in faces the training never drew from this renderer (the looks are close, the
packages and glyphs are not the same: lmodern vs cm, mathptmx vs newtx, mathpazo vs newpx).

Needs texlive-latex-recommended, texlive-latex-extra (preview), texlive-fonts-recommended,
texlive-fonts-extra and dvipng (training/datagen/APT_PACKAGES, installed by scripts/setup.sh).
"""
import os
import re
import shutil
import subprocess
import tempfile

import cv2
import numpy as np

# family -> preamble lines
FAMILIES = {
    "cm": "",
    "newtx": r"\usepackage{newtxtext,newtxmath}",
    "newpx": r"\usepackage{newpxtext,newpxmath}",
    "fourier": r"\usepackage{fourier}",
    "kpfonts": r"\usepackage{kpfonts}",
    "stix2": r"\usepackage{stix2}",
    "lmodern": r"\usepackage{lmodern}",
    "mathptmx": r"\usepackage{mathptmx}",
    "mathpazo": r"\usepackage{mathpazo}",
    "euler": r"\usepackage{eulervm}",
    "cmbright": r"\usepackage{cmbright}",
    "libertine": r"\usepackage{libertine}\usepackage[libertine]{newtxmath}",
    "charter": r"\usepackage[charter]{mathdesign}",
    "concrete": r"\usepackage{concrete}\usepackage{eulervm}",
    # more training faces (2026-12-08): none shares its maths letters with a dev family (the newtxmath-based
    # cochineal, erewhon, XCharter and STIX Two Text variants, fourier's fouriernc and STIX-derived step are
    # left out for that); mathdesign's garamond is left out because it drops glyphs without an error
    "utopia": r"\usepackage[utopia]{mathdesign}",
    "iwona": r"\usepackage[math]{iwona}",
    "kurier": r"\usepackage[math]{kurier}",
    "anttor": r"\usepackage[math]{anttor}",
    "mlmodern": r"\usepackage{mlmodern}",
    "arev": r"\usepackage{arev}",
    "notomath": r"\usepackage{notomath}",
    "gfsartemisia": r"\usepackage{gfsartemisia-euler}",
}
DEV_FAMILIES = ("cm", "newtx", "newpx", "fourier", "kpfonts", "stix2")
TRAIN_FAMILIES = ("lmodern", "mathptmx", "mathpazo", "euler", "cmbright", "libertine", "charter", "concrete",
                  "utopia", "iwona", "kurier", "anttor", "mlmodern", "arev", "notomath", "gfsartemisia")
# x-height of the fonts at 10 pt, in TeX points: enough to scale camera effects to the formula
X_HEIGHT_PT = 4.3

PREAMBLE = r"""\documentclass[10pt]{article}
\usepackage{amsmath,amssymb}
%s
\usepackage[active,tightpage]{preview}
\setlength\PreviewBorder{2pt}
\pagestyle{empty}
\begin{document}
"""
ERROR_LINE = re.compile(r"^l\.(\d+)", re.M)


def available():
    return shutil.which("latex") is not None and shutil.which("dvipng") is not None


def _body(latex, display, bold, size):
    style = r"\displaystyle " if display else r"\textstyle "
    return (r"\begin{preview}%s\boldmath$%s%s$\end{preview}" if bold else r"\begin{preview}%s$%s%s$\end{preview}") % (
        size, style, latex.replace("\n", " "))


def render_batch(formulas, family, dpi=600, styles=None, timeout=300):
    """Render formulas in one family. styles: per formula (display, bold, size command), default text
    style, regular, \\normalsize. Returns a list of (grey uint8 image or None, x-height in pixels):
    None where TeX reported an error on that formula's line (its page is not trusted)."""
    styles = styles or [(False, False, r"\normalsize ")] * len(formulas)
    with tempfile.TemporaryDirectory(prefix="texrender-") as tmp:
        head = PREAMBLE % FAMILIES[family]
        first_line = head.count("\n") + 1
        lines = [_body(f, *st) for f, st in zip(formulas, styles)]
        with open(os.path.join(tmp, "f.tex"), "w", encoding="utf-8") as fh:
            fh.write(head + "\n".join(lines) + "\n\\end{document}\n")
        run = subprocess.run(["latex", "-interaction=nonstopmode", "f.tex"], cwd=tmp, capture_output=True,
                             timeout=timeout)
        log = open(os.path.join(tmp, "f.log"), encoding="latin-1").read() if os.path.exists(
            os.path.join(tmp, "f.log")) else run.stdout.decode("latin-1")
        bad = {int(m) - first_line for m in ERROR_LINE.findall(log)}
        if not os.path.exists(os.path.join(tmp, "f.dvi")):
            return [(None, 0.0)] * len(formulas)
        subprocess.run(["dvipng", "-q", "-D", str(dpi), "-T", "tight", "-bg", "rgb 1 1 1", "-fg", "rgb 0 0 0",
                        "-o", os.path.join(tmp, "p%06d.png"), "f.dvi"], cwd=tmp, capture_output=True, timeout=timeout)
        pages = sorted(p for p in os.listdir(tmp) if p.startswith("p") and p.endswith(".png"))
        if len(pages) != len(formulas):  # a page lost or added by an error: nothing is trusted
            return [(None, 0.0)] * len(formulas)
        x_height = X_HEIGHT_PT / 72.27 * dpi
        out = []
        for k, page in enumerate(pages):
            img = cv2.imread(os.path.join(tmp, page), cv2.IMREAD_GRAYSCALE)
            scale = 1.2 if styles[k][2].strip() == r"\large" else 1.0
            out.append((None, 0.0) if k in bad or img is None or img.min() > 128 else (img, x_height * scale))
        return out


def on_paper(img, pad_px, paper=255):
    """A rendered formula with pad_px of paper on every side (as a crop from a page would have)."""
    return np.pad(img, pad_px, constant_values=paper)
