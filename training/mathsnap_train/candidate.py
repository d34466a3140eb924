"""Judge a trained checkpoint against the shipped models, through the Rust engine, as users would get it.

    python3 -m training.mathsnap_train.candidate CKPT [--out DIR] [--sets crohme photos printed]

Exports CKPT next to the shipped detector and manifest (export.py --fp16-weights, so the engine runs the
files the browser would), reads the real dev sets with both folders through `mathsnap eval --single`
(beam 3, one thread, as the model card measures), and prints one table: ExpRate, <=1 error and normalised
edit distance for the shipped models and the candidate, and the seconds each read took. Its last line says
whether the candidate reads every set at least as well as the shipped models: the rule for committing a
model (the model card is regenerated after, by model_card.py). Beside it, each set's formulas are paired
(the same crop read by both): how many only the shipped models read right, how many only the candidate,
and the two-sided sign test's p on those, so that a set "lost" by one or two formulas of 96 is told from
a real loss. Both folders read each set side by side, one process each.

The candidate is read without a fitted calibration or view gate (calibrate.py and view_gate.py fit them on
the exported folder, after): both views of every crop are read, which costs time, not accuracy."""
import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import time

from .latex import ROOT
from .model_card import LINE
from .model_card import SETS as REAL_SETS

# the model card's real sets (paths relative to ROOT, where eval runs), and its printed-photo dev set
SETS = {
    "crohme": REAL_SETS[0][:2],
    "photos": REAL_SETS[1][:2],
    "printed": ("printed-photo dev set, all conditions", os.path.join(ROOT, "..", "cache", "devsets", "printed-photo")),
}


def read_summary(output):
    """(n, ExpRate, <=1 err, norm. edit) of the ALL line of `mathsnap eval` output."""
    for line in output.splitlines():
        m = LINE.match(line.strip())
        if m and m.group(1).startswith("ALL"):
            _, n, exp, one, _two, edit = m.groups()
            return int(n), float(exp), float(one), float(edit)
    raise ValueError("no ALL line in mathsnap eval's output:\n" + output[-2000:])


def evaluate(models, directory, exe):
    """(summary, seconds) of the engine reading `directory` with the models in `models`."""
    return finish(start_eval(models, directory, exe, None))[:2]


def start_eval(models, directory, exe, predictions):
    """The engine reading `directory` with `models`, started (writing its readings to `predictions`)."""
    cmd = [exe, "--models", models, "--beam", "3", "--threads", "1", "eval", "--single"]
    if predictions:
        cmd += ["--predictions", predictions]
    proc = subprocess.Popen(cmd + [directory], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return proc, time.time(), predictions


def finish(started):
    """(summary, seconds, {image: right}) of a `start_eval` once it ends ({} without predictions)."""
    proc, start, predictions = started
    out, err = proc.communicate()
    if proc.returncode != 0:
        raise SystemExit(f"mathsnap eval failed ({proc.returncode}):\n{err[-2000:]}")
    right = {}
    if predictions:
        with open(predictions) as f:
            for line in f:
                r = json.loads(line)
                right[r["image"]] = r.get("edit") == 0
    return read_summary(out), time.time() - start, right


def paired(shipped, candidate):
    """(only the shipped models right, only the candidate right, two-sided sign-test p) over the crops both
    read: the discordant pairs decide, the crops both read right or both wrong say nothing of which is better."""
    common = shipped.keys() & candidate.keys()
    only_shipped = sum(shipped[k] and not candidate[k] for k in common)
    only_candidate = sum(candidate[k] and not shipped[k] for k in common)
    return only_shipped, only_candidate, sign_test(only_shipped, only_candidate)


def sign_test(a, b):
    """Two-sided exact binomial (sign) test of a against b successes at even odds."""
    n = a + b
    if n == 0:
        return 1.0
    tail = sum(math.comb(n, k) for k in range(min(a, b) + 1)) / 2 ** n
    return min(1.0, 2 * tail)


def export(checkpoint, out):
    """The candidate's folder: the shipped detector and manifest, the checkpoint's recognizer."""
    os.makedirs(out, exist_ok=True)
    for name in ("manifest.json", "detector.onnx"):
        shutil.copy(os.path.join(ROOT, "models", name), os.path.join(out, name))
    done = subprocess.run([sys.executable, "-m", "training.mathsnap_train.export", checkpoint, "--out", out,
                           "--fp16-weights"], cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:   # torch's exporter warns at length on success: shown only when it fails
        raise SystemExit(f"exporting {checkpoint} failed:\n{done.stderr[-3000:]}")


def verdict(rows):
    """rows: (title, shipped summary, candidate summary[, paired]) -> (table lines, candidate at least as good
    everywhere); `paired` (only shipped right, only candidate right, p) adds the set's paired columns."""
    lines = ["| set | n | shipped ExpRate | candidate ExpRate | shipped ≤1 err | candidate ≤1 err | "
             "shipped norm. edit | candidate norm. edit | only shipped right | only candidate right | sign test p |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    better = True
    for title, (n, e0, o0, d0), (_, e1, o1, d1), *pair in rows:
        cells = f"| {pair[0][0]} | {pair[0][1]} | {pair[0][2]:.2g} |" if pair else "  |  |  |"
        lines.append(f"| {title} | {n} | {e0:.1f}% | {e1:.1f}% | {o0:.1f}% | {o1:.1f}% | {d0:.3f} | {d1:.3f} {cells}")
        better &= e1 >= e0
    return lines, better


def none_worse(rows, alpha=0.05):
    """Whether no set's paired readings show the candidate worse at the sign test's level `alpha`, and the
    sets together have more formulas only the candidate reads right: the looser rule (a set of 96 formulas
    moves by one or two readings from noise alone), stated beside the strict one, not in its place."""
    lost = any(p[0] > p[1] and p[2] < alpha for *_, p in rows)
    return not lost and sum(p[1] for *_, p in rows) > sum(p[0] for *_, p in rows)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("checkpoint")
    ap.add_argument("--out", help="folder for the exported candidate (default: ../cache/candidates/<run>-<file>)")
    ap.add_argument("--sets", nargs="+", choices=list(SETS), default=list(SETS))
    ap.add_argument("--bin", default=os.environ.get("MATHSNAP_BIN", os.path.join(ROOT, "target", "release", "mathsnap")))
    a = ap.parse_args(argv)
    if not os.path.exists(a.bin):
        raise SystemExit(f"{a.bin} is missing: cargo build --release first")
    if not os.path.isfile(a.checkpoint):
        raise SystemExit(f"{a.checkpoint}: no such checkpoint")
    # runs/v2f/validated.pt -> candidates/v2f-validated
    path = os.path.abspath(a.checkpoint)
    name = "-".join(p for p in (os.path.basename(os.path.dirname(path)), os.path.splitext(os.path.basename(path))[0]) if p)
    out = a.out or os.path.join(ROOT, "..", "cache", "candidates", name)
    export(a.checkpoint, out)
    rows = []
    for key in a.sets:
        title, directory = SETS[key]
        if not os.path.exists(os.path.join(ROOT, directory, "labels.tsv")):
            if key != "printed":
                raise SystemExit(f"{os.path.join(ROOT, directory)} has no labels.tsv")
            from training.devsets.printed_photo import build
            build(directory, 300, 2026)
        # both read side by side (one thread each), their readings kept for pairing in a folder beside the
        # candidate's, not in it (models_int8.py copies every other file of a folder it ships)
        readings = os.path.normpath(out) + "-readings"
        os.makedirs(readings, exist_ok=True)
        runs = [start_eval(models, directory, a.bin, os.path.join(readings, f"{key}-{who}.jsonl"))
                for who, models in (("shipped", os.path.join(ROOT, "models")), ("candidate", out))]
        (shipped, s0, right0), (candidate, s1, right1) = (finish(r) for r in runs)
        print(f"{title}: shipped {shipped[1]:.1f}% ({s0:.0f} s), candidate {candidate[1]:.1f}% ({s1:.0f} s)",
              file=sys.stderr, flush=True)
        rows.append((title, shipped, candidate, paired(right0, right1)))
    lines, better = verdict(rows)
    print(f"{a.checkpoint} exported to {out}; `mathsnap --models DIR --beam 3 --threads 1 eval --single SET`:")
    print("\n".join(lines))
    print("the candidate reads every set at least as well as the shipped models: " + ("yes" if better else "no"))
    print("no set's paired readings worse (sign test p < 0.05), more formulas only the candidate reads right: "
          + ("yes" if none_worse(rows) else "no"))


if __name__ == "__main__":
    main()
