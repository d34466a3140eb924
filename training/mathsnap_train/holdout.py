"""Write the CROHME-train hold-out (the rows the trainer validates on and never trains on) as a labels
file, so the engine can read the same images:

    python3 -m training.mathsnap_train.holdout --out /work/cache/holdout.tsv
    target/release/mathsnap --beam 3 eval [--single] ../shared/data/crohme/train --labels /work/cache/holdout.tsv

It is the development set for engine choices (close-up rules, decoding options): CROHME 2014 and
photos-dev stay evaluation only."""
import argparse

from .data import HOLDOUT, crohme_train_rows


def write_holdout(out, directory=None, holdout=HOLDOUT):
    _, rows = crohme_train_rows(holdout, directory)
    with open(out, "w", encoding="utf-8") as f:
        for name, latex, _cell in rows:
            f.write(f"{name}\t{latex}\n")
    return len(rows)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--crohme", default=None, help="CROHME train folder (default: the shared data)")
    a = ap.parse_args()
    print(f"{write_holdout(a.out, a.crohme)} hold-out rows -> {a.out}")


if __name__ == "__main__":
    main()
