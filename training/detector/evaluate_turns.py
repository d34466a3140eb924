"""Whole-page turn correction through the Rust engine: each synthetic test page is turned by 0, 90,
180 and 270 degrees, read by `mathsnap read`, and the engine's reported `rotation` is compared with
the turn that makes the page upright again. A page generated already turned (the rotation cell) adds its
own turn, read off its ground-truth quads (their first edge runs along the formula); pages tilted near 45
degrees, whose own turn is ambiguous, are left out.

python3 -m training.detector.evaluate_turns --pages ../cache/pages/test --limit 40
"""
import argparse
import json
import math
import os
import subprocess
import tempfile

from PIL import Image

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def own_turn(page, ambiguous=15.0):
    """The clockwise turn (0, 90, 180, 270) that makes the generated page upright: the mean reading
    direction of its formulas (top-left -> top-right corner) rounded to a quarter turn; None within
    `ambiguous` degrees of a diagonal, or without formulas."""
    quads = [f["quad"] for f in page["formulas"]]
    if not quads:
        return None
    # the mean direction (a circular mean: directions near +-180 degrees do not average to 0)
    dx = sum((q[1][0] - q[0][0]) / max(math.dist(q[0], q[1]), 1e-6) for q in quads)
    dy = sum((q[1][1] - q[0][1]) / max(math.dist(q[0], q[1]), 1e-6) for q in quads)
    a = math.degrees(math.atan2(dy, dx)) % 360  # y points down: a page turned clockwise by t reads at +t
    nearest = round(a / 90)
    if abs(a - nearest * 90) > 45 - ambiguous:
        return None
    return (360 - 90 * (nearest % 4)) % 360


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pages", default=os.path.join(ROOT, "..", "cache", "pages", "test"))
    ap.add_argument("--limit", type=int, default=40)
    ap.add_argument("--show-errors", action="store_true")
    ap.add_argument("--bin", default=os.environ.get("MATHSNAP_BIN", os.path.join(ROOT, "target", "release", "mathsnap")))
    args = ap.parse_args()
    pages = [json.loads(l) for l in open(os.path.join(args.pages, "pages.jsonl"))][: args.limit]
    pages = [(p, own) for p in pages if (own := own_turn(p)) is not None]
    with tempfile.TemporaryDirectory() as tmp:
        files, expected = [], []
        for p, own in pages:
            img = Image.open(os.path.join(args.pages, "images", p["image"])).convert("RGB")
            for turn in (0, 90, 180, 270):
                # PIL rotates counter-clockwise: a page turned CCW by `turn` needs `turn` clockwise to fix
                path = os.path.join(tmp, f"{turn}-{p['image']}")
                img.rotate(turn, expand=True).save(path, quality=92)
                files.append(path)
                expected.append(((turn + own) % 360, p.get("noise", "?")))
        out = subprocess.run([args.bin, "read", *files], capture_output=True, text=True).stdout.splitlines()
    by_turn, by_noise, confusion = {}, {}, {}
    for (turn, noise), line in zip(expected, out):
        got = json.loads(line).get("rotation")
        ok = got == turn
        confusion[(turn, got)] = confusion.get((turn, got), 0) + 1
        if not ok and args.show_errors:
            print(f"wrong: {noise} needed {turn} got {got}")
        for table, key in ((by_turn, turn), (by_noise, noise)):
            n, k = table.get(key, (0, 0))
            table[key] = (n + 1, k + ok)
    print(f"pages: {len(pages)} x 4 turns, {args.pages}")
    for name, table in (("turn", by_turn), ("noise cell", by_noise)):
        print(f"| {name} | pages | rotation right |\n|---|---|---|")
        for key in sorted(table, key=str):
            n, k = table[key]
            print(f"| {key} | {n} | {100 * k / n:.1f}% |")
    print("confusion (needed -> reported: pages):", ", ".join(f"{a}->{b}: {n}" for (a, b), n in sorted(confusion.items(), key=str)))
    n = sum(v[0] for v in by_turn.values())
    k = sum(v[1] for v in by_turn.values())
    print(f"overall: {k}/{n} = {100 * k / n:.1f}%")


if __name__ == "__main__":
    main()
