#!/usr/bin/env bash
# The recognizer-v2 run on this machine's CPU, one session after another (training/MODEL_CARD.md,
# 'Training throughput and the recognizer-v2 design'). Everything it needs and makes lives in $CACHE,
# which a machine keeps between sessions (checkpoints never go into git), and each call resumes from
# $RUN/last.pt where it stopped:
#
#   nohup bash training/cpu/run.sh > /dev/null 2>&1 &     # start or resume
#   bash training/cpu/run.sh stop                         # save a checkpoint and stop, before a session ends
#
# On 2 cores: one thread trains and one worker process makes the batches (THREADS=1 WORKERS=1). Making a
# batch (augmentation, the camera model, framing) takes about as long as a frozen-encoder step under
# bfloat16, so made in the training process it held the run to 47-50 samples/s on two threads; one thread
# beside one worker process trains 65 a second, two threads beside the worker 44 (2026-12-07, AMD EPYC). Beside a build or an evaluation the run slows down; stop it for benchmarks.
#
# The canvas: up to 64 x MAX_WIDTH (preprocess.canvas_width): a formula that fits 64 x 256 gets the
# input it always got, a longer one keeps its height instead of being squeezed (v2f, stopped at 364k
# samples on a machine that is gone, read 64 x 256 only). 512 until 632,760 samples; then 768 (train.py
# run_canvas widens a resumed run): the shipped v2 read the clean printed-photo formulas wider than 12:1,
# which a 512 canvas squeezes, at 42% against 76-85% for the others (26 of 300), and reading them on a
# wider canvas without training on one lost 2.4 points (76.7 -> 74.3%, a 1024 export of the same weights).
#
# Phases: the shipped model's encoder (rebuilt from models/ by recover.py) frozen under a fresh transformer
# decoder until UNFREEZE_AT samples, then both trained (the frozen run's gains had fallen to ~1.5 points per
# 30k samples by 300k, and unfreezing there bought +1.4 / +3.5 points in the next 23k: runs v2c/v2d).
# A cooldown branches off the run: copy its folder and take the rate to zero there, leaving the main run as
# it was (COOLDOWN=120000 RUN=$CACHE/runs/v2g-cool after `cp -r $CACHE/runs/v2g $CACHE/runs/v2g-cool`);
# training/cpu/cooldown.sh N does that and then judges the branch against models/ (candidate.py).
# On a machine without $CACHE the data packs are made first (about 20 minutes on one core) and the run
# starts from the shipped weights again: only committed models cross machines.
set -euo pipefail
cd "$(dirname "$0")/../.."
CACHE=${CACHE:-/work/cache}
RUN=${RUN:-$CACHE/runs/v2g}
MAX_WIDTH=${MAX_WIDTH:-768}
THREADS=${THREADS:-1}
WORKERS=${WORKERS:-1}
UNFREEZE_AT=${UNFREEZE_AT:-300000}
COOLDOWN=${COOLDOWN:-0}
TRAINER="training.mathsnap_train.train --run $RUN"
# the trainer of this run only: "--run $RUN " (its next argument follows), so that stopping runs/v2g leaves a
# cooldown branched off it (runs/v2g-cool-...) going
MATCH="$TRAINER "

if [ "${1:-}" = stop ]; then
    pkill -TERM -f "$MATCH" || { echo "no run of $RUN is going"; exit 0; }
    while pgrep -f "$MATCH" > /dev/null; do sleep 2; done   # it saves last.pt on SIGTERM, then exits
    tail -n 1 "$RUN/train.log"
    exit 0
fi
if pgrep -f "$MATCH" > /dev/null; then echo "a run of $RUN is already going"; exit 1; fi

mkdir -p "$RUN" "$CACHE/runs"
[ -f "$CACHE/pack/pack.json" ] || python3 -m training.gpu.make_pack --out "$CACHE/pack" --synth 20000 --jobs 1
[ -f "$CACHE/pack-tex/synth/labels.tsv" ] || python3 -m training.datagen.tex_pack --out "$CACHE/pack-tex" --count 20000
# More formulas, from 632,760 samples on (2026-12-08): by then the run had seen each of its ~42,000 distinct
# formulas a dozen times and read the CROHME hold-out's formulas new to training at 47-48% against 68-71% for
# the others. A second TeX pack typesets 16,000 school formulas the first does not have (leaving the rest
# for the calibration set, whose own formulas it leaves out), and a second data-engine pack draws 20,000
# more (new grammar formulas, school ones redrawn in other renderers and hands).
CALIBRATION_LABELS="$CACHE/calibration-novel/labels.tsv"
[ -f "$CACHE/pack-tex2/synth/labels.tsv" ] || python3 -m training.datagen.tex_pack --out "$CACHE/pack-tex2" --count 16000 \
    --seed 8 --exclude "$CACHE/pack-tex" $( [ -f "$CALIBRATION_LABELS" ] && echo --exclude "$CALIBRATION_LABELS" )
[ -f "$CACHE/pack-synth2/pack.json" ] || python3 -m training.gpu.make_pack --out "$CACHE/pack-synth2" --synth 20000 \
    --synth-val 0 --seed 43 --no-crohme --jobs 1
[ -f "$CACHE/runs/shipped.pt" ] || python3 -m training.mathsnap_train.recover models --out "$CACHE/runs/shipped.pt"

size_of() {  # the design a checkpoint holds (base: the GRU recognizer; v2: the transformer decoder)
    python3 -c "import sys, torch; print(torch.load(sys.argv[1], map_location='cpu', weights_only=False).get('size', 'base'))" "$1"
}

# Where a fresh run starts: the shipped GRU model's encoder under a new decoder (the phases below); once
# models/ ships recognizer v2 itself, a fresh machine's run goes on from that whole model (recover.py
# rebuilds it from the committed files), unfrozen from its first step.
INIT="--init-encoder-from $CACHE/runs/shipped.pt"
if [ ! -f "$RUN/last.pt" ] && [ "$(size_of "$CACHE/runs/shipped.pt")" = v2 ]; then
    INIT="--init-from $CACHE/runs/shipped.pt"
    UNFREEZE_AT=0
fi

seen() {  # samples the run has trained on (0 before its first checkpoint)
    [ -f "$RUN/last.pt" ] || { echo 0; return; }
    python3 -c "import sys, torch; print(torch.load(sys.argv[1], map_location='cpu')['state']['seen'])" "$RUN/last.pt"
}

train() {
    OMP_NUM_THREADS=$THREADS python3 -m $TRAINER --size v2 --max-width "$MAX_WIDTH" $INIT \
        --pack "$CACHE/pack" --crohme-share 0.52 --extra-coverage "$CACHE/pack-tex=0.16" \
        --extra-coverage "$CACHE/pack-tex2=0.14" --extra-coverage "$CACHE/pack-synth2=0.15" --photo-share 0.4 --lr 6e-4 --warmup 8000 \
        --decay-to 2000000 --val-every 90000 --workers "$WORKERS" --ema 0.999 --cooldown "$COOLDOWN" "$@"
}

if [ "$(seen)" -lt "$UNFREEZE_AT" ]; then
    train --freeze-encoder --max-samples "$UNFREEZE_AT"
    # stopped before the phase's end (stop, or the machine going away): resume later, frozen as before
    [ "$(seen)" -ge "$UNFREEZE_AT" ] || exit 0
fi
# The first unfrozen start has no optimizer state for the encoder's weights: ramp the rate up again.
REWARM=""
[ -f "$RUN/unfrozen" ] || { REWARM="--rewarm 4000"; touch "$RUN/unfrozen"; }
train $REWARM
