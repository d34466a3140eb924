"""Measure the shipped recognizer through the Rust engine and write training/MODEL_CARD.md.

    python3 -m training.mathsnap_train.model_card [--synth-limit N]

Runs `target/release/mathsnap eval --single` on the real evaluation sets, the printed-photo dev set (per
camera condition; built first if it is missing) and the data engine's synthetic test split (per dataset-spec
cell; `python3 -m training.datagen.make_rec --split test --out ../cache/rec/synth-test --count 1080`), fills the card's table with what it prints, and renders
every output with KaTeX (the issue's "every output renders" figure)."""
import argparse
import json
import os
import re
import subprocess
import tempfile
import time

from .calibrate import HIGH, LOW, reliability, sharpness
from .latex import ROOT

SETS = [("CROHME 2014 test (real handwriting)", "../shared/data/crohme/test2014", None),
        ("photos-dev (real phone photos)", "../shared/data/photos-dev", None)]
LINE = re.compile(r"^(.*): n=(\d+) ExpRate=([\d.]+)% <=1err=([\d.]+)% <=2err=([\d.]+)% norm_edit=([\d.]+)$")


RELIABILITY = []  # (set, predictions) of every run_eval, for the confidence table
KATEX_LINE = re.compile(r"^katex_check: (\d+) formulas, (\d+) failed")


def run_eval(directory, labels=None, beam=3):
    """Rows of `mathsnap eval`, its command, seconds, and the LaTeX it output for each image."""
    cmd = [os.environ.get("MATHSNAP_BIN", "target/release/mathsnap"), "--beam", str(beam), "eval", "--single", directory]
    if labels:
        cmd[4:4] = ["--labels", labels]
    with tempfile.TemporaryDirectory() as tmp:
        preds = os.path.join(tmp, "predictions.jsonl")
        t = time.time()
        out = subprocess.run(cmd + ["--predictions", preds], cwd=ROOT, capture_output=True, text=True, check=True).stdout
        secs = time.time() - t
        predictions = [json.loads(line) for line in open(preds, encoding="utf-8")]
    rows = [LINE.match(l).groups() for l in out.splitlines() if LINE.match(l)]
    RELIABILITY.append((directory, predictions))
    return rows, " ".join(cmd), secs, [p["latex"] for p in predictions]


def katex_renders(outputs):
    """(outputs KaTeX renders, non-empty outputs): every one through KaTeX with throwOnError, as the app does."""
    text = "\n".join(o for o in outputs if o.strip()) + "\n"
    run = subprocess.run(["node", os.path.join(ROOT, "training", "datagen", "node", "katex_check.mjs")], input=text,
                         capture_output=True, text=True, cwd=ROOT)
    m = KATEX_LINE.match(run.stdout)
    if not m:
        raise SystemExit(f"katex_check gave no summary: {run.stdout}{run.stderr}")
    n, failed = int(m.group(1)), int(m.group(2))
    return n - failed, n


def synth_subset(limit):
    """The synthetic test split, at most `limit` samples per cell (evaluation time on 2 cores)."""
    d = os.path.join(ROOT, "..", "cache", "rec", "synth-test")
    if not os.path.exists(os.path.join(d, "labels.tsv")):
        # built here, as the printed-photo set is, rather than failing after the other sets' evaluations
        from training.datagen import make_rec
        make_rec.main(["--split", "test", "--out", d, "--count", "1080"])
    per_cell, rows = {}, []
    for line in open(os.path.join(d, "labels.tsv"), encoding="utf-8"):
        name, latex, cell = line.rstrip("\n").split("\t")
        if per_cell.get(cell, 0) < limit:
            per_cell[cell] = per_cell.get(cell, 0) + 1
            rows.append(f"images/{name}.png\t{latex}\t{cell}")
    f = tempfile.NamedTemporaryFile("w", suffix=".tsv", delete=False)
    f.write("\n".join(rows) + "\n")
    f.close()
    return d, f.name


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--synth-limit", type=int, default=20)
    ap.add_argument("--out", default=os.path.join(ROOT, "training", "MODEL_CARD.md"))
    args = ap.parse_args()
    manifest = json.load(open(os.path.join(ROOT, "models", "manifest.json")))
    rec = manifest["recognizer"]
    size = sum(os.path.getsize(os.path.join(ROOT, "models", rec[k])) for k in ("encoder", "decoder"))
    table, cmds, renders = [], [], []
    for title, d, labels in SETS:
        rows, cmd, secs, outputs = run_eval(d, labels)
        table.append((title,) + rows[-1][1:])
        cmds.append(f"`{cmd}` ({secs:.0f} s)")
        renders.append((title, len(outputs)) + katex_renders(outputs))
    printed = os.path.join(ROOT, "..", "cache", "devsets", "printed-photo")
    if not os.path.exists(os.path.join(printed, "labels.tsv")):
        from training.devsets.printed_photo import build
        build(printed, 300, 2026)
    rows, cmd, secs, outputs = run_eval(printed)
    for r in rows:
        table.append(("printed-photo dev set: " + ("all conditions" if r[0].startswith("ALL") else r[0]),) + r[1:])
    cmds.append(f"`{cmd}` (the set: `python3 -m training.devsets.printed_photo --out {os.path.normpath(printed)}`; "
                f"{secs:.0f} s)")
    renders.append(("printed-photo dev set: all conditions", len(outputs)) + katex_renders(outputs))
    d, labels = synth_subset(args.synth_limit)
    rows, cmd, secs, outputs = run_eval(d, labels)
    for r in rows:
        table.append((("synthetic test: " + r[0]) if not r[0].startswith("ALL") else "synthetic test: all cells",) + r[1:])
    cmds.append(f"`{cmd}` with at most {args.synth_limit} samples per cell of ../cache/rec/synth-test ({secs:.0f} s)")
    renders.append(("synthetic test: all cells", len(outputs)) + katex_renders(outputs))
    lines = ["| set | n | ExpRate | ≤1 err | ≤2 err | norm. edit |", "|---|---|---|---|---|---|"]
    lines += [f"| {t} | {n} | {e}% | {a}% | {b}% | {ne} |" for t, n, e, a, b, ne in table]
    lines += ["", "Every output through KaTeX (`renderToString`, `throwOnError: true`, display mode, as the app renders "
              "it; `training/datagen/node/katex_check.mjs`); empty outputs (nothing read) are not rendered:", "",
              "| set | outputs | non-empty | render in KaTeX |", "|---|---|---|---|"]
    lines += [f"| {t} | {n} | {m} | {ok} ({100.0 * ok / max(m, 1):.1f}%) |" for t, n, ok, m in renders]
    titles = {d: t for t, d, _ in SETS}
    titles[printed] = "printed-photo dev set (all conditions)"
    titles[d] = f"synthetic test ({args.synth_limit} a cell)"
    lines += ["", f"Confidence levels as the app shows them (the engine's calibrated score; high from {HIGH}, low below "
              f"{LOW}; `python3 -m training.mathsnap_train.calibrate`): how many readings reach each level and how many "
              "of those are exactly right; under each table, the score as a probability of an exact reading over the "
              "whole set (log loss and Brier score: lower is better; AUC: how often a right reading outscores a wrong one).",
              ""]
    for directory, predictions in RELIABILITY:
        table = reliability(predictions, titles.get(directory, directory))
        lines += table[:1] + ["|---|---|---|---|"] + table[1:] + ["", sharpness(predictions) + ".", ""]
    card = open(args.out, encoding="utf-8").read() if os.path.exists(args.out) else ""
    start, end = "<!-- eval:start -->", "<!-- eval:end -->"
    block = (f"{start}\nMeasured {time.strftime('%Y-%m-%d')} through the Rust engine (beam 3), model trained on "
             f"{rec.get('trained_samples')} samples, recognizer files {size / 1e6:.1f} MB.\n\n" + "\n".join(lines) +
             "\n\nCommands: " + "; ".join(cmds) + f"\n{end}")
    if start in card:
        card = card[:card.index(start)] + block + card[card.index(end) + len(end):]
    else:
        card += "\n" + block + "\n"
    open(args.out, "w", encoding="utf-8").write(card)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
