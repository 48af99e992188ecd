#!/usr/bin/env bash
# Fuzzes every parser of user input with cargo fuzz (libFuzzer), SECONDS each, two at a time.
#
#   scripts/fuzz.sh [SECONDS] [TARGET…]      default: 600 s, every target in fuzz/Cargo.toml
#
# Each target starts from its committed seeds (fuzz/corpus/T) and past crash inputs
# (fuzz/regressions/T), so every run replays those first. New inputs go to fuzz/target/corpus/T.
# Prints one line per target with its executions, and exits 1 if any target crashed, hung or ran
# out of memory; the input that did it is saved under fuzz/artifacts/T/.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"

seconds="${1:-600}"
shift || true
if [ $# -gt 0 ]; then
  targets=("$@")
else
  mapfile -t targets < <(sed -n 's/^name = "\(.*\)"$/\1/p' Cargo.toml | grep -v '^claimbench-fuzz$')
fi

# cargo-fuzz from crates.io, once per machine. Built on the stable toolchain with no sanitizer:
# the parsers are safe Rust, and panics, hangs and memory blow-ups are what libFuzzer catches.
if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "fuzz: installing cargo-fuzz" >&2
  cargo install --locked cargo-fuzz
fi
fuzz=(cargo fuzz)
mode=(--dev --sanitizer none)
"${fuzz[@]}" build "${mode[@]}"

export logs="target/fuzz-logs"
mkdir -p "$logs"
run_one() {
  local target="$1" seconds="$2"
  local work="target/corpus/$target"
  mkdir -p "$work" "regressions/$target" "artifacts/$target"
  # -timeout: one input taking over 10 s is a hang; -rss_limit_mb: over 2 GiB is a memory blow-up.
  if cargo fuzz run --dev --sanitizer none "$target" "$work" "corpus/$target" "regressions/$target" -- \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 >"$logs/$target.log" 2>&1; then
    echo ok >"$logs/$target.status"
  else
    echo failed >"$logs/$target.status"
  fi
}
export -f run_one
printf '%s\n' "${targets[@]}" | xargs -P 2 -I{} bash -c "run_one {} $seconds"

failed=0
printf '%-16s %8s %12s %9s  %s\n' target seconds executions exec/s result
for target in "${targets[@]}"; do
  log="$logs/$target.log"
  runs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)"
  rate="$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)"
  result="$(cat "$logs/$target.status")"
  if [ "$result" = ok ]; then
    result="0 crashes"
  else
    failed=1
    artifact="$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)"
    result="CRASH: ${artifact:-see fuzz/$log} (replay: cargo fuzz run --dev -s none $target ${artifact:-INPUT}; keep it in fuzz/regressions/$target/ once fixed)"
  fi
  printf '%-16s %8s %12s %9s  %s\n' "$target" "$seconds" "${runs:-?}" "${rate:-?}" "$result"
done
exit "$failed"
