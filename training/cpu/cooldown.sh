#!/usr/bin/env bash
# A cooldown branched off the main run, then judged against the shipped models (MODEL_CARD, "Recognizer v2
# shipped": warmup-stable-decay, the main run going on later from where it stopped):
#
#   nohup bash training/cpu/cooldown.sh 150000 > /work/cache/logs/cooldown.out 2>&1 &
#
# 1. stops the main run ($CACHE/runs/v2g) and copies it to $CACHE/runs/v2g-cool-<its samples, in k>;
# 2. takes the rate to zero there over N samples (run.sh with COOLDOWN=N and RUN=the branch; 150k is about
#    80 minutes on one thread beside one data worker);
# 3. once the cooldown has reached its end, judges the branch's validated weights against models/ through
#    the engine (candidate.py: the real dev sets, paired readings, the two shipping rules).
# Stopped on the way (`RUN=<branch> bash training/cpu/run.sh stop`), the same command goes on with the same
# branch while the main run has not moved; the main run resumes with `nohup bash training/cpu/run.sh &`.
set -euo pipefail
cd "$(dirname "$0")/../.."
CACHE=${CACHE:-/work/cache}
MAIN=$CACHE/runs/v2g
N=${1:?usage: cooldown.sh SAMPLES (e.g. 150000)}

state() {  # a field of a checkpoint's training state
    python3 -c "import sys, torch; print(torch.load(sys.argv[1], map_location='cpu')['state'].get(sys.argv[2], 0))" "$1" "$2"
}

RUN=$MAIN bash training/cpu/run.sh stop
BRANCH=$CACHE/runs/v2g-cool-$(( $(state "$MAIN/last.pt" seen) / 1000 ))k
[ -d "$BRANCH" ] || cp -r "$MAIN" "$BRANCH"
echo "cooldown of $N samples in $BRANCH"
COOLDOWN=$N RUN=$BRANCH bash training/cpu/run.sh
FROM=$(state "$BRANCH/last.pt" cooldown_from)
SEEN=$(state "$BRANCH/last.pt" seen)
if [ "$SEEN" -lt $(( FROM + N )) ]; then
    echo "the cooldown stopped at $SEEN of $(( FROM + N )) samples: run the same command again to go on"
    exit 0
fi
python3 -m training.mathsnap_train.candidate "$BRANCH/validated.pt" --out "$CACHE/candidates/$(basename "$BRANCH")"
