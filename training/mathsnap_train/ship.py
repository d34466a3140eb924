"""Ship a judged candidate (candidate.py's folder) into models/: fit the engine's reading aids on the
candidate's own folder, then store it as int8, as the browser loads it.

    python3 -m training.mathsnap_train.ship CANDIDATE [--out models]

The steps, in the order each needs the one before (every one reads calibration crops through the engine,
never an evaluation set):
1. calibrate.py: the confidence calibration (the view gate weighs the calibrated confidence);
2. view_gate.py: when the first view alone is sure enough;
3. turn_probe.py --write: the upside-down probe on the candidate's encoder;
4. scripts/models_int8.py: int8 storage into --out, with the manifest's sha256 of each model.
They are fitted on the float16 export and stored as int8 after: int8 costs about 0.4 points on CROHME 2014
(bench/levers.md), too little to move the calibration.

What stays to do by hand, since each is judged, not run blind: `python3 -m training.mathsnap_train.model_card`
(the Evaluation tables), `bash scripts/build_web.sh`, `make bench`, `make test`, a commit and a fresh-clone CI."""
import argparse
import os
import subprocess
import sys

from .latex import ROOT


def steps(candidate, out):
    """The commands that ship `candidate` into `out`, in order."""
    python = sys.executable
    return [
        [python, "-m", "training.mathsnap_train.calibrate", "--models", candidate],
        [python, "-m", "training.mathsnap_train.view_gate", "--models", candidate],
        [python, "-m", "training.mathsnap_train.turn_probe", "--models", candidate, "--write"],
        [python, os.path.join("scripts", "models_int8.py"), "--src", candidate, "--out", out],
    ]


def strays(candidate):
    """Files of the candidate's folder that are neither a model nor its manifest: models_int8.py copies every
    other file of the folder it stores, so these would land in models/ (and in the app's download)."""
    return sorted(f for f in os.listdir(candidate) if not f.endswith(".onnx") and f != "manifest.json")


def ship(candidate, out, run=subprocess.run):
    """Runs the steps in the repository root, stopping at the first that fails (a manifest half fitted is
    not stored into `out`)."""
    for cmd in steps(candidate, out):
        print("+ " + " ".join(cmd[1:]), flush=True)
        done = run(cmd, cwd=ROOT)
        if done.returncode != 0:
            raise SystemExit(f"shipping {candidate} stopped: {' '.join(cmd[1:])} failed ({done.returncode})")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("candidate", help="an exported folder (candidate.py's --out)")
    ap.add_argument("--out", default=os.path.join(ROOT, "models"))
    a = ap.parse_args(argv)
    candidate = os.path.abspath(a.candidate)
    if not os.path.isfile(os.path.join(candidate, "manifest.json")):
        raise SystemExit(f"{candidate} has no manifest.json: export a candidate first (candidate.py)")
    if strays(candidate):
        raise SystemExit(f"{candidate} holds files that would be copied into {a.out}: {', '.join(strays(candidate))}")
    if os.path.abspath(a.out) == candidate:
        raise SystemExit("--out must be another folder than the candidate (models_int8.py writes into it)")
    ship(candidate, os.path.abspath(a.out))


if __name__ == "__main__":
    main()
