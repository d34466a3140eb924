"""Whole-page turn correction through the Rust engine: each synthetic test page is turned by 0, 90,
180 and 270 degrees, read by `mathsnap read`, and the engine's reported `rotation` is compared with
the turn that makes the page upright again.

python3 -m training.detector.evaluate_turns --pages ../cache/pages/test --limit 40
"""
import argparse
import json
import os
import subprocess
import tempfile

from PIL import Image

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pages", default=os.path.join(ROOT, "..", "cache", "pages", "test"))
    ap.add_argument("--limit", type=int, default=40)
    ap.add_argument("--show-errors", action="store_true")
    ap.add_argument("--bin", default=os.environ.get("MATHSNAP_BIN", os.path.join(ROOT, "target", "release", "mathsnap")))
    args = ap.parse_args()
    pages = [json.loads(l) for l in open(os.path.join(args.pages, "pages.jsonl"))][: args.limit]
    with tempfile.TemporaryDirectory() as tmp:
        files, expected = [], []
        for p in pages:
            img = Image.open(os.path.join(args.pages, "images", p["image"])).convert("RGB")
            for turn in (0, 90, 180, 270):
                # PIL rotates counter-clockwise: a page turned CCW by `turn` needs `turn` clockwise to fix
                path = os.path.join(tmp, f"{turn}-{p['image']}")
                img.rotate(turn, expand=True).save(path, quality=92)
                files.append(path)
                expected.append((turn, p.get("noise", "?")))
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
