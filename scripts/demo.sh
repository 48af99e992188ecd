#!/usr/bin/env bash
# The first run a newcomer sees: two example systems on the full GSM8K test set, a comparison,
# a claim checked against the evidence, and a report; then LAMMPS against the built-in MD engine,
# PocketSphinx on real and synthetic speech, and the built-in language model.
set -euo pipefail
claimbench=${1:?usage: demo.sh PATH-TO-CLAIMBENCH}
cd "$(dirname "$0")/.."
mkdir -p reports/demo

runs=()
for system in sum last-number; do
  out=$("$claimbench" run gsm8k --system "examples/systems/$system.toml" --out runs/demo)
  echo "$out"
  runs+=("$(sed -n 's/^run: //p' <<<"$out")")
done

echo
"$claimbench" compare "${runs[0]}" "${runs[1]}"
"$claimbench" compare "${runs[0]}" "${runs[1]}" --format markdown -o reports/demo/compare.md

# Claims about the candidate (last-number) against the baseline (sum), as a grantee states them.
cat > reports/demo/claims.toml <<TOML
level = 0.95

[[claim]]
id = "accuracy-gain"
description = "last-number answers at least 0.5 points more GSM8K problems than sum"
suite = "gsm8k"
metric = "accuracy"
baseline = "../../${runs[0]}"
candidate = "../../${runs[1]}"
kind = "absolute-improvement"
threshold = 0.005

[[claim]]
id = "doubled-accuracy"
description = "last-number is at least twice as accurate as sum (100% relative improvement)"
suite = "gsm8k"
metric = "accuracy"
baseline = "../../${runs[0]}"
candidate = "../../${runs[1]}"
kind = "relative-improvement"
threshold = 1.0
TOML
echo
# Exit status 1 means a claim was refuted: a finding, not a failure of the demo.
"$claimbench" claim check reports/demo/claims.toml || [ $? -eq 1 ]
"$claimbench" claim check reports/demo/claims.toml --format markdown -o reports/demo/claims.md || [ $? -eq 1 ]

"$claimbench" report "${runs[@]}" -o reports/demo

# Materials: LAMMPS (-sf opt) and the built-in engine on in.lj at 32,000 atoms, each run held to
# the accuracy gate, and a speed claim between them.
md_runs=()
for system in lammps-opt builtin-md; do
  out=$("$claimbench" run materials-lj --system "examples/systems/$system.toml" --limit 4 --out runs/demo)
  echo "$out"
  md_runs+=("$(sed -n 's/^run: //p' <<<"$out")")
done
cat > reports/demo/materials-claims.toml <<TOML
[[claim]]
id = "builtin-md-speed"
description = "the built-in engine runs the 32,000-atom LJ melt at least as fast as LAMMPS -sf opt"
suite = "materials-lj"
metric = "lj-32k/timesteps_per_s"
baseline = "../../${md_runs[0]}"
candidate = "../../${md_runs[1]}"
kind = "speed-up"
threshold = 1.0
TOML
echo
"$claimbench" claim check reports/demo/materials-claims.toml || [ $? -eq 1 ]
"$claimbench" claim check reports/demo/materials-claims.toml --format markdown -o reports/demo/materials-claims.md || [ $? -eq 1 ]
"$claimbench" report "${md_runs[@]}" -o reports/demo/materials

# Speech: PocketSphinx on the LibriVox utterances and the synthetic sentences.
speech_runs=()
for suite in librivox-5 flite-synthetic; do
  out=$("$claimbench" run "$suite" --system examples/systems/pocketsphinx.toml --out runs/demo)
  echo "$out"
  speech_runs+=("$(sed -n 's/^run: //p' <<<"$out")")
done
"$claimbench" report "${speech_runs[@]}" -o reports/demo/speech
# Language models: the built-in gguf system (SmolLM2-135M-Instruct, no server) on GSM8K multiple
# choice scored by log-likelihood, and on 20 GSM8K problems asked in its chat format.
llm_runs=()
for suite_and_limit in "gsm8k-mc 100" "gsm8k-chat 20"; do
  read -r suite limit <<<"$suite_and_limit"
  out=$("$claimbench" run "$suite" --system examples/systems/smollm2-gguf.toml --limit "$limit" --out runs/demo)
  echo "$out"
  llm_runs+=("$(sed -n 's/^run: //p' <<<"$out")")
done
"$claimbench" report "${llm_runs[@]}" -o reports/demo/llm
echo
echo "Report: reports/demo/summary.md (plot: reports/demo/accuracy.png), comparison: reports/demo/compare.md, claims: reports/demo/claims.md"
echo "Materials: reports/demo/materials/summary.md, claim: reports/demo/materials-claims.md"
echo "Speech: reports/demo/speech/summary.md (worst utterances with their alignments)"
echo "Language models: reports/demo/llm/summary.md"
