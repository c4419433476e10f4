#!/usr/bin/env bash
# Builds every fuzz target (cargo-fuzz, libFuzzer) and runs each for
# SECONDS (default 15) from seeds made of tests/fixtures, keeping what it
# learns in fuzz/corpus. A crash or a hang fails the run and leaves its
# input in fuzz/artifacts/<target>/.
#
#   fuzz/run.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")"
secs=${1:-15}
shift || true
if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "[fuzz] installing cargo-fuzz"
  cargo install --locked --quiet cargo-fuzz --version 0.13.2
fi
# cargo-fuzz passes -Z flags to rustc; this lets the stable toolchain take
# them. No sanitizer: baohan forbids unsafe code, and ASan would halve the
# executions a short budget buys.
export RUSTC_BOOTSTRAP=1
python3 seed.py seeds
cargo fuzz build --sanitizer none --release >/dev/null
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then mapfile -t targets < <(cargo fuzz list); fi
mkdir -p logs
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t"
  status=0
  cargo fuzz run --sanitizer none --release "$t" "corpus/$t" "seeds/$t" -- \
    -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    >"logs/$t.log" 2>&1 || status=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "logs/$t.log" | tail -n 1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "logs/$t.log" | tail -n 1)
  took=$(( ${rate:-0} > 0 ? ${runs:-0} / ${rate:-1} : 0 ))
  echo "[fuzz] $t: ${runs:-?} executions in about ${took} s (budget ${secs} s)"
  if [ "$status" -ne 0 ]; then
    echo "[fuzz] $t FAILED (exit $status); the end of its log:" >&2
    tail -n 40 "logs/$t.log" >&2
    exit "$status"
  fi
done
echo "fuzz: ${#targets[@]} passed, 0 failed"
