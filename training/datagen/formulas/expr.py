"""Random building blocks shared by the level grammars: numbers, variables, terms, polynomials,
and a recursive expression grammar. Each function takes a `random.Random` so that one seed decides a
whole formula."""

LETTERS = "abcdmnpqrstuvwxyz"
VARS = "xyzabtnk"
GREEK = [r"\alpha", r"\beta", r"\theta", r"\pi", r"\lambda", r"\omega", r"\varphi", r"\mu", r"\sigma", r"\gamma"]
FUNCS = [r"\sin", r"\cos", r"\tan", r"\log", r"\ln", r"\exp"]


def integer(r, lo=1, hi=12):
    return str(r.randint(lo, hi))


def number(r, digits=None):
    """A whole number of 1-5 digits, skewed short (as in school exercises)."""
    d = digits or r.choice([1, 1, 2, 2, 2, 3, 3, 4, 5])
    return str(r.randint(10 ** (d - 1) if d > 1 else 0, 10 ** d - 1))


def decimal(r):
    whole = r.choice(["0", integer(r, 1, 9), number(r, 2)])
    return whole + "." + str(r.randint(1, 999)).rstrip("0").zfill(r.randint(1, 2))


def fraction(r, lo=1, hi=12, style=r"\frac"):
    a, b = r.randint(lo, hi), r.randint(lo + 1, hi + 1)
    return f"{style}{{{a}}}{{{b}}}"


def var(r, pool=VARS):
    return r.choice(pool)


def coeff(r, first=False, allow_frac=False):
    """A signed coefficient as written before a variable: '', '-', '3', '-\\frac{1}{2}'."""
    c = r.choice(["", "", "2", "3", "4", "5", "6", "7", "9", "12"]) if not allow_frac or r.random() < 0.8 else fraction(r, 1, 5)
    sign = "-" if r.random() < 0.3 else ("" if first else "+")
    return sign, c


def monomial(r, variables="x", max_pow=3):
    out = ""
    for v in variables:
        p = r.randint(1, max_pow)
        out += v + (f"^{{{p}}}" if p > 1 else "")
    return out


def polynomial(r, v="x", degree=2, allow_frac=False):
    parts = []
    for p in range(degree, -1, -1):
        if p < degree and r.random() < 0.25:
            continue  # a missing term, as in x^2 - 4
        sign, c = coeff(r, first=not parts, allow_frac=allow_frac)
        if p == 0:
            c = c or integer(r, 1, 15)
            body = c
        else:
            body = c + v + (f"^{{{p}}}" if p > 1 else "")
        parts.append((sign if parts or sign == "-" else "") + body)
    return " ".join(parts) if r.random() < 0.5 else "".join(parts)


def linear(r, v="x", allow_frac=False):
    return polynomial(r, v, 1, allow_frac)


def paren(r, s):
    return r.choice([f"({s})", f"\\left({s}\\right)"]) if r.random() < 0.9 else f"[{s}]"


def expression(r, depth=0, level="high", v="x"):
    """Recursive grammar: sums/products/quotients/powers/functions of smaller expressions."""
    if depth >= 2 or r.random() < 0.3 + 0.2 * depth:
        return r.choice([polynomial(r, v, r.randint(1, 2)), monomial(r, v), integer(r), v, f"{integer(r)}{v}"])
    kind = r.choice(["sum", "prod", "frac", "pow", "paren"] + (["func", "sqrt", "func"] if level == "high" else ["sqrt"]))
    a = expression(r, depth + 1, level, v)
    b = expression(r, depth + 1, level, v)
    if kind == "sum":
        return f"{a} {r.choice(['+', '-'])} {b}"
    if kind == "prod":
        op = r.choice(["", "", "\\cdot ", "\\times "])
        return f"{paren(r, a)}{op}{paren(r, b)}"
    if kind == "frac":
        return rf"\frac{{{a}}}{{{b}}}"
    if kind == "pow":
        return f"{paren(r, a)}^{{{r.choice(['2', '3', 'n', '-1', integer(r, 2, 5)])}}}"
    if kind == "sqrt":
        return rf"\sqrt{{{a}}}" if r.random() < 0.85 else rf"\sqrt[{r.choice('34n')}]{{{a}}}"
    if kind == "func":
        f = r.choice(FUNCS)
        if f == r"\log" and r.random() < 0.5:
            f += f"_{{{r.choice(['2', '3', '10', 'a'])}}}"
        return f"{f} {a}" if len(a) <= 2 else f"{f}{paren(r, a)}"
    return paren(r, a)
