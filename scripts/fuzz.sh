#!/usr/bin/env bash
# Bounded coverage-guided fuzzing of the engine's entry points (fuzz/, cargo-fuzz + libFuzzer).
# Not part of `make test`: a measurement, like the benchmarks. Prints executions and crashes per
# target; a crash leaves its input in fuzz/artifacts/<target>/, to be added as a regression test.
#   bash scripts/fuzz.sh [SECONDS_PER_TARGET]     (default 120; the read_page target gets 2x)
# EXECS=N stops each target after N executions (the issue's bar: EXECS=1000000), SECONDS still
# capping it; TARGETS="a b" runs only those. SANITIZER=none builds without AddressSanitizer (libFuzzer
# still catches panics, hangs and over-allocation; memory errors only show under ASan): for a target
# whose code is safe Rust and too slow under ASan to reach the bar, e.g. decode_image. JOBS=N runs N
# processes on one shared corpus (libFuzzer -jobs), each to EXECS/N executions; the count is their sum.
# Needs `cargo install cargo-fuzz`. On stable Rust, RUSTC_BOOTSTRAP=1 lets cargo-fuzz pass its -Z flags.
set -uo pipefail
cd "$(dirname "$0")/../fuzz"
SECS=${1:-120}
export RUSTC_BOOTSTRAP=1
command -v cargo-fuzz >/dev/null || cargo install --locked cargo-fuzz
SAN=(-s "${SANITIZER:-address}")
cargo fuzz build -O "${SAN[@]}" || exit 1
# seed corpora: every image fixture for the image targets
for t in decode_image read_page; do
  mkdir -p "corpus/$t"
  for f in ../tests/fixtures/*.png ../tests/fixtures/*.jpg ../tests/fixtures/formats/*; do
    [[ -f $f && $f != *.py ]] || continue
    if [[ $t == read_page ]]; then { printf '\x00'; cat "$f"; } > "corpus/$t/$(basename "$f")"; else cp "$f" "corpus/$t/"; fi
  done
done
# seed models for the model-loading target: tiny graphs in both weight storages (needs python3 onnx)
mkdir -p corpus/stored_weights
python3 seed_models.py corpus/stored_weights 2>/dev/null || echo "no python3 onnx: stored_weights starts from an empty corpus" >&2
printf '| target | seconds | executions | crashes |\n|---|---|---|---|\n'
for t in ${TARGETS:-decode_image regions latex_repair stored_weights read_page}; do
  secs=$SECS; [[ $t == read_page ]] && secs=$((SECS * 2))
  log=$(mktemp)
  # -rss_limit_mb: AddressSanitizer's shadow memory and quarantine inflate RSS several times over
  # (a page that reads in 44 MiB natively peaks above 1 GiB here): the engine's own bound is
  # measured without ASan by scripts/measure_memory.sh. -timeout: a unit this slow is a hang.
  rss=2048; [[ $t == read_page ]] && rss=4096
  rm -rf "artifacts/$t"
  jobs=${JOBS:-1}
  runs=(); [[ -n ${EXECS:-} ]] && runs=(-runs="$((EXECS / jobs))")
  par=(); [[ $jobs -gt 1 ]] && par=(-jobs="$jobs" -workers="$jobs")
  rm -f fuzz-*.log
  start=$(date +%s)
  cargo fuzz run -O "${SAN[@]}" "$t" -- "${runs[@]}" "${par[@]}" -max_total_time="$secs" -print_final_stats=1 -rss_limit_mb=$rss -max_len=262144 -timeout=60 >"$log" 2>&1
  # with -jobs each process logs to fuzz-<n>.log here (the parent echoes their final stats too,
  # so only these files are counted): the count is their sum
  counted=("$log"); [[ $jobs -gt 1 ]] && counted=(fuzz-*.log)
  execs=$(cat "${counted[@]}" | grep -o 'stat::number_of_executed_units: *[0-9]*' | grep -o '[0-9]*$' | awk '{s+=$1} END {if (NR) print s}')
  [[ $jobs -gt 1 ]] && cat fuzz-*.log >>"$log" && rm -f fuzz-*.log
  [[ -z $execs ]] && execs=$(grep -oE '^#[0-9]+' "$log" | tail -1 | tr -d '#')
  # crash-, oom-, timeout- and leak- files are failures; slow-unit- files are only reports
  crashes=$(ls "artifacts/$t" 2>/dev/null | grep -vc '^slow-unit-')
  printf '| %s | %s | %s | %s |\n' "$t" "$(( $(date +%s) - start ))" "${execs:-?}" "$crashes"
  if [[ $crashes -gt 0 ]]; then grep -m3 -A3 "panicked\|ERROR" "$log" >&2; cp "$log" "artifacts/$t.log"; fi
  rm -f "$log"
done
