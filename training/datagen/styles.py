"""Typefaces and per-writer handwriting styles, drawn from a numpy Generator.

Printed: MathJax's own TeX glyphs, or one of several text typefaces (Times-, Palatino-, Schoolbook-,
Bookman-like, STIX, sans) substituted glyph by glyph into MathJax's layout, with a random weight.
Handwritten: a handwriting font for letters and digits (falling back to perturbed TeX outlines for
other symbols) and a writer: slant, pen width, size drift, jitter, wobble, baseline wander."""
import os

GYRE = "/usr/share/texmf/fonts/opentype/public/tex-gyre/"
TT = "/usr/share/fonts/truetype/"
OT = "/usr/share/fonts/opentype/"


def _gyre(name):
    return {"regular": GYRE + f"texgyre{name}-regular.otf", "italic": GYRE + f"texgyre{name}-italic.otf",
            "bold": GYRE + f"texgyre{name}-bold.otf", "bolditalic": GYRE + f"texgyre{name}-bolditalic.otf"}


PRINTED_FACES = {
    "termes": _gyre("termes"), "pagella": _gyre("pagella"), "schola": _gyre("schola"),
    "bonum": _gyre("bonum"), "heros": _gyre("heros"),
    "stix": {"regular": OT + "stix/STIXGeneral-Regular.otf", "italic": OT + "stix/STIXGeneral-Italic.otf",
             "bold": OT + "stix/STIXGeneral-Bold.otf", "bolditalic": OT + "stix/STIXGeneral-BoldItalic.otf"},
    "freeserif": {"regular": TT + "freefont/FreeSerif.ttf", "italic": TT + "freefont/FreeSerifItalic.ttf",
                  "bold": TT + "freefont/FreeSerifBold.ttf", "bolditalic": TT + "freefont/FreeSerifBoldItalic.ttf"},
    "dejavu": {"regular": TT + "dejavu/DejaVuSerif.ttf", "italic": TT + "dejavu/DejaVuSerif-Italic.ttf",
               "bold": TT + "dejavu/DejaVuSerif-Bold.ttf", "bolditalic": TT + "dejavu/DejaVuSerif-BoldItalic.ttf"},
    "liberation": {"regular": TT + "liberation/LiberationSerif-Regular.ttf", "italic": TT + "liberation/LiberationSerif-Italic.ttf",
                   "bold": TT + "liberation/LiberationSerif-Bold.ttf", "bolditalic": TT + "liberation/LiberationSerif-BoldItalic.ttf"},
}
HAND_FONTS = {
    "dkg": TT + "fifthhorseman/dkg.ttf", "humor": TT + "humor-sans/Humor-Sans.ttf",
    "comic": OT + "comic-neue/ComicNeue-Regular.otf", "klee": TT + "klee/KleeOne-Regular.ttf",
    "kristi": TT + "kristi/Kristi.ttf", "femke": TT + "femkeklaver/femkeklaver.ttf",
    "breip": TT + "breip/Breip.ttf", "andika": TT + "andika/Andika-Regular.ttf",
    "nanumpen": TT + "nanum/NanumPen.ttf", "nanumbrush": TT + "nanum/NanumBrush.ttf",
}
HEAVY_HAND_FONTS = {"nanumbrush", "breip", "kristi"}
# how often each face is used: MathJax TeX is the most common look of typeset maths
PRINTED_WEIGHTS = {"tex": 0.35, "termes": 0.1, "pagella": 0.07, "schola": 0.1, "bonum": 0.05, "heros": 0.05,
                   "stix": 0.1, "freeserif": 0.06, "dejavu": 0.06, "liberation": 0.06}


def available(paths):
    return all(os.path.exists(p) for p in (paths.values() if isinstance(paths, dict) else [paths]))


def _pick(rng, weights):
    names = list(weights)
    p = [weights[n] for n in names]
    return names[rng.choice(len(names), p=[x / sum(p) for x in p])]


def printed_style(rng):
    face = _pick(rng, {k: w for k, w in PRINTED_WEIGHTS.items() if k == "tex" or available(PRINTED_FACES[k])})
    stroke = float(rng.choice([0, 0, 0, rng.uniform(4, 18), rng.uniform(-0, 8)]))  # print weight
    style = {"mode": "tex", "stroke": stroke, "seed": int(rng.integers(1, 2**31))}
    if face != "tex":
        style.update(mode="font", fonts=PRINTED_FACES[face])
    return face, style


def hand_style(rng):
    names = [n for n, p in HAND_FONTS.items() if available(p)]
    # without handwriting fonts (a bare CI box) every glyph is a perturbed TeX outline
    font = names[int(rng.integers(len(names)))] if names else "tex-outlines"
    style = {
        "mode": "hand",
        "fonts": {"regular": HAND_FONTS[font]} if names else {},
        # pen width in 1/1000 em; brush-like fonts are already heavy, so they get a thinner extra stroke
        "stroke": float(rng.uniform(8, 55)) * (0.5 if font in HEAVY_HAND_FONTS else 1.0),
        "slant": float(rng.normal(6, 8)),           # degrees, right-leaning on average
        "jitter": float(rng.uniform(5, 45)),        # per-glyph displacement
        "rotate": float(rng.uniform(1, 7)),         # per-glyph rotation, degrees (sd)
        "drift": float(rng.uniform(0.02, 0.12)),    # per-glyph size variation (sd of scale)
        "wobble": float(rng.uniform(0, 25)),        # smooth shape distortion amplitude
        "baseline": float(rng.uniform(0, 25)),      # baseline wander step
        "seed": int(rng.integers(1, 2**31)),
    }
    return font, style
