"""High school: quadratics, trigonometry, exponentials and logarithms, sequences and sums, limits,
derivatives, integrals, vectors, 2x2/3x3 matrices, cases, sets, combinatorics, absolute values,
inequalities with intervals. Backslash-heavy pieces are built outside f-string expressions."""
from .expr import integer, polynomial, linear, expression, fraction, var

TRIG = [r"\sin", r"\cos", r"\tan"]
ANGLES = [r"\theta", "x", r"\alpha", r"\beta", "2x", r"\frac{\pi}{3}", r"\frac{\pi}{6}", r"\frac{\pi}{4}", r"2\theta"]
INEQ = ["<", ">", r"\leq", r"\geq"]
ARROW = r"\to"
GEQ, LEQ = r"\geq", r"\leq"
TRIG_VALUES = [r"\frac{\sqrt{3}}{2}", r"\frac{1}{2}", "-1", r"\sqrt{3}"]


def quadratic(r):
    v = var(r, "xxxt")
    return r.choice([
        f"{polynomial(r, v, 2)} = 0",
        r"x = \frac{-b \pm \sqrt{b^{2} - 4ac}}{2a}",
        f"x = \\frac{{{integer(r, -9, 9)} \\pm \\sqrt{{{integer(r, 2, 60)}}}}}{{{integer(r, 1, 6)}}}",
        r"D = b^{2} - 4ac " + r.choice(["> 0", "< 0", "= 0", r"\geq 0"]),
        f"{polynomial(r, v, 2)} {r.choice(INEQ)} 0",
        r"\alpha + \beta = -\frac{b}{a}, \alpha\beta = \frac{c}{a}",
    ])


def trig(r):
    f, g = r.choice(TRIG), r.choice(TRIG)
    a, b = r.choice(ANGLES), r.choice(ANGLES)
    return r.choice([
        r"\sin^{2}\theta + \cos^{2}\theta = 1",
        f"{f} {a} = {r.choice([fraction(r, 1, 3)] + TRIG_VALUES)}",
        f"{f}({a} + {b}) = {f} {a} {g} {b} + {g} {a} {f} {b}",
        r"\tan x = \frac{\sin x}{\cos x}",
        f"y = {integer(r, 1, 4)}{f}({linear(r, 'x')}) {r.choice('+-')} {integer(r, 1, 5)}",
        f"{f}^{{2}} {a} {r.choice('+-')} {integer(r, 1, 5)}{g} {a} = 0",
        r"\frac{a}{\sin A} = \frac{b}{\sin B} = 2R",
        r"a^{2} = b^{2} + c^{2} - 2bc\cos A",
        f"{f}^{{-1}} x",
        f"\\sec {a} = \\frac{{1}}{{\\cos {a}}}",
    ])


def explog(r):
    b = r.choice(["2", "3", "10", "a", "5", r"\left(\frac{1}{2}\right)"])
    log_base = b if "left" not in b else "2"
    return r.choice([
        f"\\log_{{{log_base}}} {integer(r, 2, 100)} = {integer(r, 1, 6)}",
        f"\\log_{{{log_base}}} xy = \\log_{{{log_base}}} x + \\log_{{{log_base}}} y",
        f"{b}^{{{linear(r, 'x')}}} {r.choice(['=', '>', '<', GEQ])} {integer(r, 2, 64)}",
        f"e^{{{integer(r, 2, 3)}x}} - {integer(r, 2, 5)}e^{{x}} + {integer(r, 1, 6)} = 0",
        f"y = \\ln({linear(r, 'x')})",
        f"\\log {integer(r, 2, 9)} + \\log {integer(r, 2, 9)}",
        f"y = {b}^{{x}} {r.choice('+-')} {integer(r, 1, 5)}",
        r"\log_{a} b = \frac{\log_{c} b}{\log_{c} a}",
    ])


def sequences(r):
    k = r.choice("kni")
    return r.choice([
        r"a_{n} = a_{1} + (n - 1)d",
        r"a_{n} = a r^{n-1}",
        r"S_{n} = \frac{n(a_{1} + a_{n})}{2}",
        f"a_{{n+1}} = {integer(r, 2, 5)}a_{{n}} {r.choice('+-')} {integer(r, 1, 9)}",
        f"\\sum_{{{k}=1}}^{{{r.choice(['n', '10', '20'])}}} ({linear(r, k)})",
        r"\sum_{k=1}^{n} k^{2} = \frac{n(n+1)(2n+1)}{6}",
        r"\sum_{" + k + "=1}^{n} " + r.choice([k + "^{2}", "2^{" + k + "}", r"\frac{1}{" + k + "(" + k + "+1)}"]),
        r"S_{n} = \frac{a(r^{n} - 1)}{r - 1}",
        r"a_{1}, a_{2}, a_{3}, \cdots, a_{n}",
    ])


def limits(r):
    a = r.choice(["0", "1", "2", "-1", r"\infty", r"-\infty", "3"])
    return r.choice([
        f"\\lim_{{x {ARROW} {a}}} \\frac{{{polynomial(r, 'x', 2)}}}{{{linear(r, 'x')}}}",
        r"\lim_{n \to \infty} \left(1 + \frac{1}{n}\right)^{n} = e",
        f"\\lim_{{x {ARROW} 0}} \\frac{{\\sin {integer(r, 2, 5)}x}}{{x}} = {integer(r, 2, 5)}",
        f"\\lim_{{n {ARROW} \\infty}} \\frac{{{polynomial(r, 'n', 1)}}}{{{polynomial(r, 'n', 1)}}}",
        f"\\lim_{{x {ARROW} {a}}} {expression(r, 1, 'high')}",
        r"\lim_{h \to 0} \frac{f(a + h) - f(a)}{h}",
    ])


def derivatives(r):
    return r.choice([
        f"f'(x) = {polynomial(r, 'x', r.randint(1, 3))}",
        f"\\frac{{d}}{{dx}}({expression(r, 1, 'high')})",
        r"\frac{dy}{dx} = " + expression(r, 1, "high"),
        r"f'(x) = \lim_{h \to 0} \frac{f(x+h) - f(x)}{h}",
        r"(\sin x)' = \cos x",
        f"y' = {expression(r, 1, 'high')}",
        r"\{f(x)g(x)\}' = f'(x)g(x) + f(x)g'(x)",
        f"f''(x) = {polynomial(r, 'x', 1)}",
    ])


def integrals(r):
    lo, hi = r.choice([("0", "1"), ("1", "2"), ("-1", "1"), ("0", r"\pi"), ("a", "b"), ("1", "e")])
    return r.choice([
        f"\\int_{{{lo}}}^{{{hi}}} ({polynomial(r, 'x', 2)}) dx",
        f"\\int {expression(r, 1, 'high')} dx",
        r"\int \frac{1}{x} dx = \ln|x| + C",
        f"\\int_{{{lo}}}^{{{hi}}} {r.choice(TRIG[:2])} x dx",
        f"\\int_{{{lo}}}^{{{hi}}} f(x) dx = F({hi}) - F({lo})",
        f"\\int x^{{{integer(r, 2, 5)}}} dx = \\frac{{1}}{{{integer(r, 3, 6)}}}x^{{{integer(r, 3, 6)}}} + C",
        r"\int_{0}^{x} f(t) dt",
        f"S = \\int_{{{lo}}}^{{{hi}}} |{polynomial(r, 'x', 2)}| dx",
    ])


def vectors(r):
    P = "".join(r.sample("ABCOPQ", 2))
    return r.choice([
        r"\vec{a} \cdot \vec{b} = |\vec{a}||\vec{b}|\cos\theta",
        f"\\overrightarrow{{{P}}} = ({integer(r, -9, 9)}, {integer(r, -9, 9)})",
        f"\\vec{{a}} = ({integer(r, -9, 9)}, {integer(r, -9, 9)}, {integer(r, -9, 9)})",
        f"|\\vec{{{r.choice('abu')}}}| = \\sqrt{{{integer(r, 2, 50)}}}",
        f"{integer(r, 2, 5)}\\vec{{a}} - \\vec{{b}}",
        f"\\overrightarrow{{{P}}} + \\overrightarrow{{{P[1]}C}} = \\overrightarrow{{{P[0]}C}}",
        r"\vec{a} \perp \vec{b}",
    ])


def matrices(r):
    env = r.choice(["pmatrix", "pmatrix", "bmatrix", "vmatrix"])
    n = r.choice([2, 2, 2, 3])
    cell = lambda: r.choice([integer(r, -9, 9), integer(r, 0, 9), r.choice("abcdxy"), fraction(r, 1, 4)])
    rows = " \\\\ ".join(" & ".join(cell() for _ in range(n)) for _ in range(n))
    m = f"\\begin{{{env}}} {rows} \\end{{{env}}}"
    name = r.choice(["A = ", "B = ", "", "A^{-1} = ", r"\det A = "])
    if r.random() < 0.3 and env != "vmatrix":
        col = " \\\\ ".join("xyz"[:n])
        rhs = " \\\\ ".join(integer(r, -9, 9) for _ in range(n))
        return f"{m}\\begin{{pmatrix}} {col} \\end{{pmatrix}} = \\begin{{pmatrix}} {rhs} \\end{{pmatrix}}"
    return name + m


def cases(r):
    c1, c2 = linear(r, "x"), polynomial(r, "x", 2)
    a = integer(r, -3, 5)
    return f"f(x) = \\begin{{cases}} {c1} & (x {r.choice(['<', GEQ])} {a}) \\\\ {c2} & (x {r.choice(['>', LEQ])} {a}) \\end{{cases}}"


def sets(r):
    elems = ", ".join(sorted(set(integer(r, 1, 12) for _ in range(r.randint(2, 5))), key=int))
    return r.choice([
        f"A = \\{{{elems}\\}}",
        r"A \cup B = \{x | x " + r.choice(INEQ) + f" {integer(r, 1, 9)}" + r"\}",
        r"A \cap B = \emptyset",
        r"A \subset B",
        r"n(A \cup B) = n(A) + n(B) - n(A \cap B)",
        f"{integer(r, 1, 9)} \\in A",
        r"(A \cup B)^{C} = A^{C} \cap B^{C}",
        r"B - A = \{" + elems + r"\}",
        r"x \notin A",
    ])


def combinatorics(r):
    n, k = r.randint(3, 12), r.randint(1, 3)
    return r.choice([
        f"{{}}_{{{n}}}\\mathrm{{C}}_{{{k}}} = {integer(r, 3, 300)}",
        f"{{}}_{{{n}}}\\mathrm{{P}}_{{{k}}}",
        r"{}_{n}\mathrm{C}_{r} = \frac{n!}{r!(n-r)!}",
        r"{}_{n}\mathrm{P}_{r} = \frac{n!}{(n-r)!}",
        f"{n}! = {integer(r, 100, 5000)}",
        f"\\binom{{{n}}}{{{k}}}",
        # binomial theorem with \binom: "{}_{n}C_{r}" right after a sum's limits is a double subscript
        # once the canonical form drops the empty group
        r"(a + b)^{n} = \sum_{r=0}^{n} \binom{n}{r} a^{n-r}b^{r}",
        r"P(A \cap B) = P(A)P(B)",
        f"P(A) = \\frac{{{k}}}{{{n}}}",
    ])


def absolute(r):
    return f"|{linear(r, 'x')}| {r.choice(INEQ + ['='])} {integer(r, 1, 9)}"


def intervals(r):
    a, b = sorted([r.randint(-9, 5), r.randint(6, 12)])
    lb, rb = r.choice(["(", "["]), r.choice([")", "]"])
    return r.choice([
        f"x \\in {lb}{a}, {b}{rb}",
        f"(-\\infty, {a}] \\cup [{b}, \\infty)",
        f"{a} {r.choice(['<', LEQ])} x {r.choice(['<', LEQ])} {b}",
        f"\\{{x | {a} < x \\leq {b}\\}}",
    ])


def general(r):
    """Free grammar expressions, for structures the templates do not reach."""
    return f"{r.choice(['f(x)', 'y', 'g(x)'])} = {expression(r, 0, 'high')}"


PRODUCERS = [quadratic, trig, trig, explog, sequences, limits, derivatives, integrals, vectors, matrices,
             cases, sets, combinatorics, absolute, intervals, general, general]


def generate(r):
    return r.choice(PRODUCERS)(r)
