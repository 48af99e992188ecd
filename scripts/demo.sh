#!/usr/bin/env bash
# The first run a newcomer sees: two example systems on the full GSM8K test set, then a report.
set -euo pipefail
claimbench=${1:?usage: demo.sh PATH-TO-CLAIMBENCH}
cd "$(dirname "$0")/.."

runs=()
for system in last-number sum; do
  out=$("$claimbench" run gsm8k --system "examples/systems/$system.toml" --out runs/demo)
  echo "$out"
  runs+=("$(sed -n 's/^run: //p' <<<"$out")")
done
"$claimbench" report "${runs[@]}" -o reports/demo
echo
echo "Report: reports/demo/summary.md (plot: reports/demo/accuracy.png)"
