"""Build spec/vocab.txt: every canonical token seen in the synthesis formula list and the CROHME
training labels (at least MIN_COUNT times), plus a base set the dataset spec needs regardless.
Run once when the canonical form changes; the recognizer's output layer follows this file."""
import collections
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mathsnap_train.latex import canonical_tokens, ROOT  # noqa: E402

SHARED = os.path.join(ROOT, "..", "shared", "data")
SPECIALS = ["<pad>", "<s>", "</s>", "<unk>"]
BASE = (list("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") +
        list("+-=<>()[]|!,.;:/'*&^_{}?") + (
        r"\times \div \pm \mp \cdot \cdots \ldots \vdots \ddots \leq \geq \neq \approx \equiv \sim \simeq \propto "
        r"\frac \sqrt \sum \prod \int \iint \oint \lim \infty \partial \nabla \rightarrow \leftarrow \Rightarrow "
        r"\Leftrightarrow \leftrightarrow \in \notin \subset \subseteq \supset \supseteq \cup \cap \emptyset \forall "
        r"\exists \therefore \because \perp \parallel \angle \triangle \circ \degree \% \{ \} \| \\ \backslash "
        r"\sin \cos \tan \cot \sec \csc \log \ln \exp \max \min \overline \vec \hat \bar \overrightarrow \mathbf "
        r"\mathbb \mathcal \binom \square \Box \prime \alpha \beta \gamma \delta \epsilon \zeta \eta \theta \iota "
        r"\kappa \lambda \mu \nu \xi \pi \rho \sigma \tau \upsilon \phi \varphi \chi \psi \omega \Gamma \Delta "
        r"\Theta \Lambda \Xi \Pi \Sigma \Phi \Psi \Omega \cong \sim \wedge \vee \lnot \mid \dot \tilde \underline "
        r"\begin{matrix} \end{matrix} \begin{pmatrix} \end{pmatrix} \begin{bmatrix} \end{bmatrix} "
        r"\begin{vmatrix} \end{vmatrix} \begin{cases} \end{cases} \begin{aligned} \end{aligned} \overset \boxed \arcsin \arccos \arctan \ell \ll \gg "
        r"\lfloor \rfloor \lceil \rceil \uparrow \downarrow \ddot \subsetneq \top \underbrace \overbrace").split())
MIN_COUNT = 5


def main():
    counts = collections.Counter()
    for line in open(os.path.join(SHARED, "formulas", "school_train.txt"), encoding="utf-8"):
        counts.update(canonical_tokens(line))
    for line in open(os.path.join(SHARED, "crohme", "train", "labels.tsv"), encoding="utf-8"):
        if "\t" in line:
            counts.update(canonical_tokens(line.split("\t", 1)[1]))
    vocab = list(SPECIALS)
    seen = set(vocab)
    for t in BASE + [t for t, c in counts.most_common() if c >= MIN_COUNT]:
        # tokens outside ASCII (CJK prose in formulas) are not maths symbols we recognise
        if t not in seen and all(ord(ch) < 128 for ch in t):
            vocab.append(t)
            seen.add(t)
    with open(os.path.join(ROOT, "spec", "vocab.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(vocab) + "\n")
    dropped = [(t, c) for t, c in counts.most_common() if t not in seen]
    print(f"vocab {len(vocab)} tokens; {len(dropped)} rare/unsupported token types left out, e.g. {dropped[:25]}")


if __name__ == "__main__":
    main()
