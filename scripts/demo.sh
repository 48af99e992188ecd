#!/usr/bin/env bash
# The first run a newcomer sees: every suite against its default systems — two example programs
# and the built-in language model on GSM8K, PocketSphinx on the shipped speech sets, LAMMPS and
# the built-in MD engine on in.lj across sizes — then claims checked against the evidence and one
# report, reports/demo/index.html. Prints how long each step took.
set -euo pipefail
claimbench=${1:?usage: demo.sh PATH-TO-CLAIMBENCH}
cd "$(dirname "$0")/.."
mkdir -p reports/demo runs/demo

demo_started=$SECONDS
timings=()
runs=()
# run_step LABEL SUITE SYSTEM [ARGS…]: one run, its output shown, its directory kept for the report.
run_step() {
  local label=$1 suite=$2 system=$3 started=$SECONDS out
  shift 3
  echo
  echo "== $label"
  out=$("$claimbench" run "$suite" --system "$system" --out runs/demo "$@")
  echo "$out"
  runs+=("$(sed -n 's/^run: //p' <<<"$out")")
  timings+=("$(printf '%6ds  %s' $((SECONDS - started)) "$label")")
}
run_of() { printf '%s\n' "${runs[@]}" | grep -m1 -- "/$1-$2-"; }

# Reasoning: two example programs on all 1,319 GSM8K problems; the built-in GGUF model
# (SmolLM2-135M-Instruct, no server) on GSM8K subsets: zero-shot, 5-shot and chat generation, and
# multiple choice scored by log-likelihood and by answer letter.
run_step "GSM8K, example system 'sum' (1,319 problems)" gsm8k examples/systems/sum.toml
run_step "GSM8K, example system 'last-number' (1,319 problems)" gsm8k examples/systems/last-number.toml
run_step "GSM8K, built-in gguf model (first 20 problems)" gsm8k examples/systems/smollm2-gguf.toml --limit 20
run_step "GSM8K multiple choice, built-in gguf model (100 questions, log-likelihood)" gsm8k-mc examples/systems/smollm2-gguf.toml
run_step "GSM8K multiple choice by answer letter, built-in gguf model (100 questions)" gsm8k-mc-letter examples/systems/smollm2-gguf.toml
run_step "GSM8K chat, built-in gguf model (first 20 problems)" gsm8k-chat examples/systems/smollm2-gguf.toml --limit 20
run_step "GSM8K 5-shot, built-in gguf model (first 10 problems)" gsm8k-5shot examples/systems/smollm2-gguf.toml --limit 10
# Materials: LAMMPS (-sf opt) and the built-in engine on in.lj from 4,000 to 256,000 atoms, and
# LAMMPS on in.eam (the built-in engine is LJ-only); each run held to its suite's accuracy gate.
run_step "in.lj size sweep, LAMMPS -sf opt" materials-lj examples/systems/lammps-opt.toml
run_step "in.lj size sweep, built-in MD engine" materials-lj examples/systems/builtin-md.toml
run_step "in.eam (copper, 32,000 atoms), LAMMPS -sf opt" materials-eam examples/systems/lammps-opt.toml
# Speech: PocketSphinx on LibriVox utterances, synthetic sentences and spoken digits.
for suite in librivox-5 flite-synthetic fsdd-digits; do
  run_step "$suite, PocketSphinx" "$suite" examples/systems/pocketsphinx.toml
done

# Claims as a grantee states them, each naming its baseline and candidate run.
sum=$(run_of gsm8k sum) last=$(run_of gsm8k last-number)
lammps=$(run_of materials-lj lammps-opt) builtin=$(run_of materials-lj builtin-md)
cat > reports/demo/claims.toml <<TOML
level = 0.95

[[claim]]
id = "accuracy-gain"
description = "last-number answers at least 0.5 points more GSM8K problems than sum"
suite = "gsm8k"
metric = "accuracy"
baseline = "../../$sum"
candidate = "../../$last"
kind = "absolute-improvement"
threshold = 0.005

[[claim]]
id = "doubled-accuracy"
description = "last-number is at least twice as accurate as sum (100% relative improvement)"
suite = "gsm8k"
metric = "accuracy"
baseline = "../../$sum"
candidate = "../../$last"
kind = "relative-improvement"
threshold = 1.0

[[claim]]
id = "builtin-md-speed"
description = "the built-in engine runs the 32,000-atom LJ melt at least as fast as LAMMPS -sf opt"
suite = "materials-lj"
metric = "lj-32k/timesteps_per_s"
baseline = "../../$lammps"
candidate = "../../$builtin"
kind = "speed-up"
threshold = 1.0
TOML

started=$SECONDS
echo
echo "== Comparison and claims"
"$claimbench" compare "$sum" "$last"
# Exit status 1 means a claim was refuted: a finding, not a failure of the demo.
"$claimbench" claim check reports/demo/claims.toml || [ $? -eq 1 ]
echo
echo "== Report"
"$claimbench" report "${runs[@]}" --claims reports/demo/claims.toml --history runs/demo -o reports/demo
timings+=("$(printf '%6ds  %s' $((SECONDS - started)) "comparison, claims and report")")

echo
echo "Step times:"
printf '%s\n' "${timings[@]}"
printf '%6ds  total\n' $((SECONDS - demo_started))
echo
echo "Report: reports/demo/index.html (open it in a browser; also summary.md, metrics.csv, report.json, junit.xml, plots/)"
