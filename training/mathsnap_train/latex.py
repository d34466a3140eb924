"""The canonical LaTeX form, read from spec/latex_spec.json (shared with the Rust engine).

canonical_tokens(latex) -> list of tokens is what the recognizer is trained to emit; detokenize()
joins them into a LaTeX string that KaTeX renders. The rules live in the JSON spec so that the
engine, the data engine and the labeling guide cannot drift apart.
"""
import json
import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SPEC = json.load(open(os.path.join(ROOT, "spec", "latex_spec.json"), encoding="utf-8"))
TOKEN = re.compile(SPEC["token_regex"])
SYN = SPEC["synonyms"]
DROP = set(SPEC["drop"])
DROP_ARG = set(SPEC["drop_with_argument"])
UNWRAP = set(SPEC["unwrap"])
FUNCS = set(SPEC["function_names"])
ONE = set(SPEC["one_argument"])
TWO = set(SPEC["two_arguments"])
BIG_OPS = set(SPEC["big_operators"])
ENVS = set(SPEC["environments"])


def raw_tokens(latex):
    return TOKEN.findall(latex or "")


def _group(ts, i):
    """(end, body) of the argument starting at ts[i]: a braced group or a single token."""
    if i >= len(ts):
        return i, []
    if ts[i] != "{":
        return i + 1, [ts[i]]
    depth = 0
    for j in range(i, len(ts)):
        depth += ts[j] == "{"
        depth -= ts[j] == "}"
        if depth == 0:
            return j + 1, ts[i + 1:j]
    return len(ts), ts[i + 1:]


def _script_argument(ts, i):
    """(end, body) of a script's argument at ts[i]: a braced group, a command with its arguments
    (`x^\\frac12`, `x_\\mathrm{S}`: they belong to the command, so the script keeps them), or one token."""
    t = SYN.get(ts[i], ts[i]) if i < len(ts) else None
    if t not in ONE and t not in TWO and t not in UNWRAP:
        return _group(ts, i)
    j = i + 1
    if t == "\\sqrt" and j < len(ts) and ts[j] == "[":
        j = ts.index("]", j) + 1 if "]" in ts[j:] else len(ts)
    for _ in range(2 if t in TWO else 1):
        j, _ = _group(ts, j)
    return j, ts[i:j]


def _braced(body):
    return ["{"] + body + ["}"]


def _script(body):
    """Single-token scripts lose their braces, except commands KaTeX will not take bare
    (`x_{\\max}`, `x^{\\sum}`, `a^{\\sqrt{}}`): functions, big operators and commands that take arguments."""
    bare_ok = len(body) == 1 and not (body[0][1:] in FUNCS or body[0] in BIG_OPS or body[0] in ONE or body[0] in TWO)
    return body if bare_ok else _braced(body)


def _canon(ts):
    out, i = [], 0
    while i < len(ts):
        t = SYN.get(ts[i], ts[i])
        if " " in t:  # a synonym spelled with several tokens (\degree -> ^ \circ): read those instead
            ts = ts[:i] + t.split() + ts[i + 1:]
            continue
        if t in DROP_ARG:
            i, _ = _group(ts, i + 1)
            continue
        if t in DROP:
            i += 1
            continue
        if t.startswith("\\begin{") or t.startswith("\\end{"):
            env = t[t.index("{") + 1:-1]
            i += 1
            if t.startswith("\\begin{") and i < len(ts) and ts[i] == "{" and env in ("array", "matrix"):
                i, _ = _group(ts, i)  # drop an array's column spec
            if env not in ENVS:
                env = "matrix"
            out.append(t[:t.index("{")] + "{" + env + "}")
            continue
        if t in UNWRAP:
            end, body = _group(ts, i + 1)
            word = "".join(body)
            if word in FUNCS:
                out.append("\\" + word)
            else:
                out += _canon(body)
            i = end
            continue
        if t in ("^", "_"):
            end, body = _script_argument(ts, i + 1)
            body = _canon(body)
            i = end
            if t == "^" and body and all(b == "'" for b in body):
                out += ["'"] * len(body)
                continue
            if not body:
                continue
            out += [t] + _script(body)
            continue
        if t in ONE or t in TWO:
            out.append(t)
            i += 1
            if t == "\\sqrt" and i < len(ts) and ts[i] == "[":
                depth, j = 0, i
                while j < len(ts):
                    depth += ts[j] == "["
                    depth -= ts[j] == "]"
                    if depth == 0:
                        break
                    j += 1
                out += ["["] + _canon(ts[i + 1:j]) + ["]"]
                i = j + 1
            for _ in range(2 if t in TWO else 1):
                end, body = _group(ts, i)
                out += _braced(_canon(body))
                i = end
            continue
        if t == "{":
            end, body = _group(ts, i)
            # a bare group changes nothing visible, except an empty one anchoring a script: {}_{n}C_{r}
            out += _canon(body) if body else ["{", "}"]
            i = end
            continue
        if t == "}":
            i += 1  # unbalanced closing brace
            continue
        if t == "\\prime":
            t = "'"
        out.append(t)
        i += 1
    return out


def _order_scripts(ts):
    """x^a_b -> x_b^a: one order for the model to learn (subscript first)."""
    out, i = [], 0
    while i < len(ts):
        if ts[i] == "^" and i + 1 < len(ts):
            sup_end, _ = _group(ts, i + 1)
            if sup_end < len(ts) and ts[sup_end] == "_":
                sub_end, _ = _group(ts, sup_end + 1)
                out += ts[sup_end:sub_end] + ts[i:sup_end]
                i = sub_end
                continue
        out.append(ts[i])
        i += 1
    return out


def canonical_tokens(latex):
    s = (latex or "").strip().strip("$").strip()
    return _order_scripts(_canon(raw_tokens(s)))


def detokenize(tokens):
    """Join tokens into a LaTeX string, with a space only where a command name would run on into a letter."""
    out = ""
    for t in tokens:
        if t[:1].isalpha() and re.search(r"\\[a-zA-Z]+$", out):
            out += " "
        out += t
    return out


def canonical(latex):
    return detokenize(canonical_tokens(latex))


if __name__ == "__main__":
    for a in [r"x^{2}+y^2", r"\dfrac12", r"\left( a \right)", r"\mathrm{d}x", r"f^{\prime}(x)", r"\sqrt[3]{x}",
              r"\operatorname{sin} x", r"\begin{array}{cc} a & b \\ c & d \end{array}", r"x^2_i", r"\leqslant"]:
        print(a, "->", canonical_tokens(a), "->", canonical(a))
