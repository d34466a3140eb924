"""Formula generators: labels are canonical, in vocabulary, deterministic by seed, and varied."""
import random

from training.datagen.formulas.source import sample
from training.datagen.labels import vocab
from training.datagen import spec as spec_mod
from training.mathsnap_train.latex import canonical, canonical_tokens

SPEC = spec_mod.load()


def draw(level, seed, n, split="train"):
    r = random.Random(seed)
    return [sample(r, level, split, SPEC["sources"]) for _ in range(n)]


def test_labels_are_canonical_and_in_vocab():
    v = vocab()
    for level in ("elementary", "middle", "high"):
        for raw, label in draw(level, 1, 400):
            assert canonical(raw) == label
            assert canonical(label) == label  # idempotent: the label is already canonical
            assert all(t in v for t in canonical_tokens(label)), label


def test_deterministic_by_seed():
    for level in ("elementary", "middle", "high"):
        assert draw(level, 5, 50) == draw(level, 5, 50)
        assert draw(level, 5, 50) != draw(level, 6, 50)


def test_grammars_are_varied():
    for level in ("elementary", "middle", "high"):
        labels = [label for _, label in draw(level, 2, 500)]
        assert len(set(labels)) > 0.8 * len(labels), level


def test_val_and_test_use_the_val_formula_list():
    from training.datagen.formulas import school
    assert school.FILES["val"] == school.FILES["test"] == "school_val.txt"
    assert school.FILES["train"] == "school_train.txt"


# Vocabulary entries that no canonical label contains: the canonical form writes them another way
# (\mid as |, \prime as ', \Box as \square, \degree as ^\circ: one glyph, one spelling) or KaTeX cannot draw them (\overparen),
# or they are never maths (", $).
NEVER_IN_LABELS = {r"\mid", r"\prime", r"\Box", r"\degree", r"\overparen", '"', "$"}


def test_every_vocabulary_token_is_generated():
    """The recognizer can only learn the symbols the data engine draws: every other vocabulary
    token must come out of the level sources (the symbols grammar exists for the rare ones)."""
    from collections import Counter
    seen = Counter()
    for level in ("elementary", "middle", "high"):
        for _, label in draw(level, 3, 4000):
            seen.update(canonical_tokens(label))
    missing = [t for t in vocab() if t not in NEVER_IN_LABELS and not t.startswith("<") and seen[t] == 0]
    assert not missing, f"never generated: {missing}"


def test_an_unbraced_command_as_a_script_keeps_its_arguments():
    """x^\\frac12 is x^{\\frac12}: the label used to lose the script (x^{\\frac{}{}}12, x S)."""
    from training.mathsnap_train.latex import canonical
    assert canonical(r"t^\frac{2}{3}") == canonical(r"t^{\frac{2}{3}}") == r"t^{\frac{2}{3}}"
    assert canonical(r"x_\mathrm{S}") == "x_S"
    assert canonical(r"e^\sqrt[3]{x}") == r"e^{\sqrt[3]{x}}"
