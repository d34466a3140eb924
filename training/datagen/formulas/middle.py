"""Middle school: linear equations and inequalities, systems, exponents, square roots, polynomials and
factoring, linear/quadratic/inverse functions, ratios and percentages, scientific notation, geometry."""
from .expr import integer, linear, polynomial, monomial, fraction, paren, var, decimal

INEQ = ["<", ">", r"\leq", r"\geq", r"\le", r"\ge"]


def linear_equation(r):
    v = var(r, "xxxyaknt")
    lhs, rhs = linear(r, v), r.choice([linear(r, v), integer(r, 0, 30), f"{integer(r, 2, 5)}{paren(r, linear(r, v))}"])
    if r.random() < 0.3:
        lhs = f"\\frac{{{linear(r, v)}}}{{{integer(r, 2, 6)}}} {r.choice('+-')} \\frac{{{v}}}{{{integer(r, 2, 6)}}}"
    return f"{lhs} = {rhs}"


def inequality(r):
    v = var(r, "xxxya")
    if r.random() < 0.3:
        return f"{integer(r, -9, 0)} {r.choice(INEQ[:1] + INEQ[2:3])} {linear(r, v)} {r.choice(INEQ[:1] + INEQ[2:3])} {integer(r, 1, 20)}"
    return f"{linear(r, v)} {r.choice(INEQ)} {r.choice([linear(r, v), integer(r, -10, 30)])}"


def system(r):
    eqs = [f"{linear(r, 'x')} {r.choice(['+', '-'])} {r.choice(['', '2', '3', '5'])}y = {integer(r, -10, 20)}" for _ in range(2)]
    if r.random() < 0.2:
        eqs.append(f"x + y + z = {integer(r, 1, 20)}")
    return "\\begin{cases} " + " \\\\ ".join(eqs) + " \\end{cases}"


def exponents(r):
    a, b = r.choice("axy2"), r.choice("bxy3")
    m, n, k = (integer(r, 2, 9) for _ in range(3))
    return r.choice([
        f"{a}^{{{m}}} \\times {a}^{{{n}}} = {a}^{{{int(m) + int(n)}}}",
        f"({a}^{{{m}}}{b}^{{{n}}})^{{{k}}}",
        f"{a}^{{{m}}} \\div {a}^{{{n}}}",
        f"\\left(\\frac{{{a}^{{{m}}}}}{{{b}}}\\right)^{{{k}}}",
        f"{integer(r, 2, 9)}{a}^{{{m}}}{b} \\times {integer(r, 2, 9)}{a}{b}^{{{n}}}",
        f"{a}^{{-{m}}} = \\frac{{1}}{{{a}^{{{m}}}}}",
    ])


def roots(r):
    a, b = integer(r, 2, 50), integer(r, 2, 9)
    return r.choice([
        f"\\sqrt{{{a}}} = {b}\\sqrt{{{integer(r, 2, 7)}}}",
        f"\\sqrt{{{a}}} \\times \\sqrt{{{b}}}",
        f"\\frac{{{b}}}{{\\sqrt{{{a}}}}} = \\frac{{{b}\\sqrt{{{a}}}}}{{{a}}}",
        f"{b}\\sqrt{{{integer(r, 2, 7)}}} {r.choice('+-')} \\sqrt{{{a}}}",
        f"(\\sqrt{{{a}}})^{{2}} = {a}",
        f"\\pm\\sqrt{{{a}}}",
        f"\\sqrt{{{a}}} {r.choice(INEQ[:2])} {b}",
    ])


def factoring(r):
    v = var(r, "xxab")
    p, q = r.randint(-9, 9) or 1, r.randint(-9, 9) or 2
    sp, sq = ("+" if p > 0 else "-"), ("+" if q > 0 else "-")
    middle = "" if p + q == 0 else f" {'+' if p + q > 0 else '-'} {abs(p + q) if abs(p + q) != 1 else ''}{v}"
    expanded = f"{v}^{{2}}{middle} {'+' if p * q >= 0 else '-'} {abs(p * q)}"
    return r.choice([
        f"{expanded} = ({v} {sp} {abs(p)})({v} {sq} {abs(q)})",
        f"({v} {sp} {abs(p)})^{{2}} = {v}^{{2}} {sp} {2 * abs(p)}{v} + {p * p}",
        f"{v}^{{2}} - {q * q} = ({v} + {abs(q)})({v} - {abs(q)})",
        f"({polynomial(r, v, 1)})({polynomial(r, v, 1)})",
        f"{polynomial(r, v, r.randint(2, 3))}",
        f"(a {sp} b)^{{2}} = a^{{2}} {sp} 2ab + b^{{2}}",
        f"{monomial(r, 'ab')} \\times {monomial(r, 'ab', 2)}",
    ])


def functions(r):
    f = r.choice(["y", "y", "f(x)", "g(x)"])
    return f + " = " + r.choice([
        linear(r, "x", allow_frac=True),
        f"{r.choice(['', '-', '2', '-3', fraction(r, 1, 3)])}x^{{2}}",
        f"{r.choice(['', '-', '2', fraction(r, 1, 3)])}(x {r.choice('+-')} {integer(r, 1, 5)})^{{2}} {r.choice('+-')} {integer(r, 1, 9)}",
        f"\\frac{{{integer(r, -12, 12)}}}{{x}}",
        polynomial(r, "x", 2),
    ])


def ratios(r):
    a, b, c = integer(r, 1, 20), integer(r, 1, 20), integer(r, 1, 60)
    return r.choice([
        f"{a} : {b} = {c} : x",
        f"{a} : {b} : {c}",
        f"\\frac{{{a}}}{{{int(b) + int(a)}}} \\times 100 = {integer(r, 1, 99)}\\%",
        f"{integer(r, 1, 100)}\\%",
        f"x \\times \\frac{{{integer(r, 1, 99)}}}{{100}} = {c}",
        f"({integer(r, 1, 9)}{r.choice(['', '0'])}\\%)",
    ])


def scientific(r):
    return f"{decimal(r)[:4].rstrip('.')} \\times 10^{{{r.choice(['', '-'])}{integer(r, 2, 12)}}}"


def geometry(r):
    P = "".join(r.sample("ABCDEFGHPQ", 3))
    a = r.randint(20, 150)
    return r.choice([
        f"\\angle {P} = {a}^{{\\circ}}",
        f"\\triangle {P} \\cong \\triangle {''.join(r.sample('DEFPQR', 3))}",
        f"\\overline{{{P[:2]}}} = {integer(r, 2, 20)}\\text{{cm}}",
        f"\\overline{{{P[:2]}}} \\parallel \\overline{{{P[1:]}}}",
        f"\\overline{{{P[:2]}}} \\perp \\overline{{{P[1:]}}}",
        f"{P[0]}{P[1]}^{{2}} + {P[1]}{P[2]}^{{2}} = {P[0]}{P[2]}^{{2}}",
        f"\\angle {P[0]} + \\angle {P[1]} + \\angle {P[2]} = 180^{{\\circ}}",
        f"S = \\frac{{1}}{{2}} \\times {integer(r, 2, 20)} \\times {integer(r, 2, 20)}",
        f"\\pi r^{{2}} = {integer(r, 2, 100)}\\pi",
    ])


PRODUCERS = [linear_equation, linear_equation, inequality, system, exponents, roots, factoring, factoring,
             functions, functions, ratios, scientific, geometry]


def generate(r):
    return r.choice(PRODUCERS)(r)
