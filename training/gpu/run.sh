#!/usr/bin/env bash
# One GPU training run on the device machine, within its limits (a command runs at most 10 min):
# train the recognizer from the data pack for TRAIN_SECONDS, export it to ONNX (checked against
# PyTorch with onnxruntime there), and leave the models, a weights-only checkpoint and the log in $OUT.
#
# Here, first:  python3 -m training.gpu.make_pack --out .pack     (46 MB; ../shared does not travel)
# Then, through the device tool:  run(command="bash training/gpu/run.sh", carry=[".pack"], timeout_s=590)
# Back here: evaluate $OUT's models with the Rust engine (training/gpu/README.md) before committing them.
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:-runs/gpu-out}
RUN=${RUN:-runs/gpu}
TRAIN_SECONDS=${TRAIN_SECONDS:-420}
SIZE=${SIZE:-large}
DEVICE=${DEVICE:-cuda}
WORKERS=${WORKERS:-$(( $(nproc) > 2 ? $(nproc) - 1 : 1 ))}
BATCH=${BATCH:-256}
INIT=${INIT:-}   # a checkpoint to fine-tune (carry it), e.g. one rebuilt by training.mathsnap_train.recover
# Recognizer v2 (SIZE=v2): ENCODER_FROM starts it from a trained encoder (carry it, e.g. the shipped
# weights rebuilt by recover.py) under a fresh decoder; MAX_WIDTH=512 trains it on the wide canvas.
ENCODER_FROM=${ENCODER_FROM:-}
MAX_WIDTH=${MAX_WIDTH:-256}
mkdir -p "$OUT" "$RUN"
if [ -n "$INIT" ] && [ ! -f "$RUN/last.pt" ]; then cp "$INIT" "$RUN/last.pt"; fi
REWARM=""; [ -f "$RUN/last.pt" ] && REWARM="--rewarm 60000"   # fresh optimizer state: ramp the rate up again
export PYTHONUNBUFFERED=1
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader 2>/dev/null || true
df -h /dev/shm 2>/dev/null | tail -1   # DataLoader workers hand batches over through shared memory
python3 -c "import torch, cv2, yaml, onnx, onnxruntime; print('torch', torch.__version__, 'cuda', torch.cuda.is_available())"

train() {  # $1: extra flags; $2: seconds
    python3 -m training.mathsnap_train.train --run "$RUN" --pack .pack --device "$DEVICE" --size "$SIZE" \
        --batch "$BATCH" --lr 2e-3 --warmup 60000 --workers "$WORKERS" --val-every 200000 \
        --time-budget "$2" --max-width "$MAX_WIDTH" $REWARM $ENCODER $1
}
ENCODER=""
if [ -n "$ENCODER_FROM" ] && [ ! -f "$RUN/last.pt" ]; then ENCODER="--init-encoder-from $ENCODER_FROM"; fi
start=$(date +%s)
train "--amp on" "$TRAIN_SECONDS"
status=$?
if [ $status -ne 0 ] && [ -z "$(grep VAL "$RUN/train.log" 2>/dev/null)" ]; then
    # bfloat16 autocast and 15 workers' shared memory are the parts never run there before this run:
    # fall back to float32 and 4 workers
    left=$(( TRAIN_SECONDS - ($(date +%s) - start) ))
    if [ "$left" -gt 60 ]; then  # (a budget of 0 would mean no limit at all)
        echo "training failed ($status); again in float32 with 4 workers for ${left}s"
        WORKERS=4 train "--amp off" "$left"
    fi
fi
cp "$RUN/train.log" "$OUT/train.log"
best="$RUN/best.pt"; [ -f "$best" ] || best="$RUN/last.pt"
python3 - "$best" "$OUT/rec.pt" <<'PY'
import sys, torch
ck = torch.load(sys.argv[1], map_location="cpu")
ck.pop("opt", None)  # the optimizer state would triple the file; fine-tuning restarts it with --rewarm
torch.save(ck, sys.argv[2])
PY
mkdir -p "$OUT/models"
cp models/manifest.json "$OUT/models/"  # keeps the detector's entries
python3 -m training.mathsnap_train.export "$best" --out "$OUT/models" --fp16-weights 2>&1 | grep -v -i warning
grep VAL "$OUT/train.log" | tail -3
ls -la "$OUT" "$OUT/models"
