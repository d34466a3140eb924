"""Elementary school: multi-digit arithmetic, x and ÷, fractions and mixed numbers, decimals,
order of operations, equations with a box or blank, comparisons, units and angles."""
from .expr import number, decimal, integer

BLANKS = [r"\square", r"\square", r"\Box", "?", r"\square"]
OPS = ["+", "-", r"\times", r"\div"]
UNITS = ["cm", "m", "mm", "km", "kg", "g", "L", "mL", "cm^{2}", "m^{2}", "cm^{3}"]


def _blank(r):
    return r.choice(BLANKS)


def arithmetic(r):
    op = r.choice(OPS)
    a, b = number(r), number(r, r.choice([1, 1, 2, 3]))
    if op == r"\div":
        b = integer(r, 2, 12)
        a = str(int(b) * r.randint(2, 999)) if r.random() < 0.8 else a
    x, y = int(a), int(b)
    value = x + y if op == "+" else x - y if op == "-" else x * y if op == r"\times" else x // y  # ÷ has y >= 2
    rhs = r.choice(["", "", _blank(r), str(value)])
    return f"{a} {op} {b}" + (f" = {rhs}" if rhs else "")


def chain(r):
    """Order of operations with brackets: (12 + 8) ÷ 4 × 3 - 5."""
    n = r.randint(3, 5)
    s = integer(r, 1, 99)
    for i in range(n - 1):
        s += f" {r.choice(OPS)} {integer(r, 1, 99)}"
        if r.random() < 0.25:
            s = f"({s})"
    return s + r.choice(["", " = " + _blank(r)])


def mixed(r):
    whole = integer(r, 1, 9)
    return f"{whole}\\frac{{{r.randint(1, 6)}}}{{{r.randint(7, 12)}}}"


def fractions(r):
    def f():
        cmd = r.choice([r"\frac", r"\frac", r"\dfrac"])
        return mixed(r) if r.random() < 0.3 else f"{cmd}{{{r.randint(1, 15)}}}{{{r.randint(2, 20)}}}"
    s = f"{f()} {r.choice(OPS)} {f()}"
    if r.random() < 0.3:
        s += f" {r.choice(OPS)} {f()}"
    return s + r.choice(["", " = " + _blank(r), " = " + f()])


def decimals(r):
    s = f"{decimal(r)} {r.choice(OPS)} {r.choice([decimal(r), integer(r)])}"
    return s + r.choice(["", " = " + _blank(r), " = " + decimal(r)])


def blank_equation(r):
    a, b = integer(r, 2, 99), integer(r, 2, 999)
    op = r.choice(OPS)
    return r.choice([f"{_blank(r)} {op} {a} = {b}", f"{a} {op} {_blank(r)} = {b}", f"{b} = {a} {op} {_blank(r)}"])


def compare(r):
    gen = r.choice([mixed, lambda r: rf"\frac{{{r.randint(1, 9)}}}{{{r.randint(2, 12)}}}", decimal, number])
    return f"{gen(r)} {r.choice(['<', '>', '=', _blank(r)])} {gen(r)}"


def units(r):
    u = r.choice(UNITS)
    return f"{r.choice([number(r, 2), decimal(r)])}\\text{{{u.split('^')[0]}}}" + (
        "^{" + u.split("^")[1][1:-1] + "}" if "^" in u else "") + r.choice(["", f" = {_blank(r)}\\text{{{u.split('^')[0]}}}"])


def angles(r):
    a, b = r.randint(20, 160), r.randint(10, 80)
    return r.choice([f"{a}^{{\\circ}} + {b}^{{\\circ}} = {a + b}^{{\\circ}}", f"180^{{\\circ}} - {a}^{{\\circ}} = {_blank(r)}",
                     f"\\angle {r.choice('ABCDE')} = {a}^{{\\circ}}"])


def remainder(r):
    b = r.randint(2, 12)
    q, m = r.randint(2, 99), r.randint(1, b - 1)
    return f"{b * q + m} \\div {b} = {q} \\cdots {m}"


PRODUCERS = [arithmetic, arithmetic, chain, fractions, fractions, decimals, blank_equation, compare, units, angles, remainder]


def generate(r):
    return r.choice(PRODUCERS)(r)
