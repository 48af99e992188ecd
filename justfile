# Everyday recipes. `./just RECIPE` works on a machine without `just` installed.

set shell := ["bash", "-euo", "pipefail", "-c"]

# Profile the demo builds with: `demo` (the harness unoptimised, the engines optimised) is the
# quickest from a fresh clone to the report; `release` optimises everything.
demo_profile := env_var_or_default("CLAIMBENCH_DEMO_PROFILE", "demo")

default:
    @just --list

# Install what building and testing need (idempotent; uses apt where something is missing).
setup:
    scripts/setup.sh

# GSM8K, materials (LAMMPS vs the built-in engine) and speech (PocketSphinx) suites, claims and reports.
demo:
    #!/usr/bin/env bash
    set -euo pipefail
    phase() { echo "demo: $1 took $(($(date +%s) - $2)) s" >&2; }
    started=$(date +%s)
    scripts/setup.sh demo
    phase "installing what the demo uses" "$started"
    build=$(date +%s)
    cargo build --locked --profile {{demo_profile}} -p claimbench
    phase "building claimbench ({{demo_profile}} profile)" "$build"
    suites=$(date +%s)
    scripts/demo.sh "target/{{ if demo_profile == "dev" { "debug" } else { demo_profile } }}/claimbench"
    phase "the suites, claims and report" "$suites"
    phase "the demo" "$started"

# Run every test (unit, integration, each benchmark once in test mode) with a local Slurm cluster.
test: setup
    scripts/test.sh

# Fan-out overhead of the Slurm executor: 8 shards of a trivial system on a local cluster.
bench-slurm: setup
    scripts/bench_slurm_overhead.sh

# The built-in MD engine against `lmp -sf opt` on in.lj, one thread each; prints the ratio and a size sweep.
bench-md: setup
    cargo build --locked --release -p claimbench
    python3 scripts/bench_md_vs_lammps.py target/release/claimbench

# `claimbench verify` on a signed bundle of a 10,000-item run; prints the time (target < 10 s).
bench-bundle: setup
    cargo build --locked --release -p claimbench
    python3 scripts/bench_bundle_verify.py target/release/claimbench

# claimbench's word error rate against jiwer on 100,000 utterance pairs; prints the ratio.
bench-wer: setup
    cargo build --locked --release -p claimbench
    python3 scripts/bench_wer_vs_jiwer.py target/release/claimbench

# Preparing a 100,000-item Parquet text task: claimbench against lm-eval building its requests; prints the ratio.
bench-prepare: setup
    cargo build --locked --release -p claimbench
    python3 scripts/bench_prepare_vs_lm_eval.py target/release/claimbench

# The built-in gguf system against llama.cpp on the same GGUF and threads: prompt and decode tokens/s and ratios.
bench-llm: setup
    cargo build --locked --release -p claimbench
    python3 scripts/bench_llm_vs_llamacpp.py target/release/claimbench

# `claimbench import lm-eval` of a 100,000-line samples file against datasets.load_dataset; prints the ratio.
bench-import: setup
    cargo build --locked --release -p claimbench
    python3 scripts/bench_import_lm_eval.py target/release/claimbench

# Run the criterion benchmarks (release build).
bench: setup
    cargo bench --locked -p claimbench-benches

# claimbench's paired bootstrap against scipy.stats.bootstrap on the same data; prints the ratio.
bench-stats: setup
    python3 scripts/bench_bootstrap_vs_scipy.py

# `claimbench history` over 1,000 generated runs of 1,000 samples: time and peak memory.
bench-history: setup
    python3 scripts/bench_history.py

# Recompute the statistics reference fixture with scipy and statsmodels.
stats-reference: setup
    python3 scripts/stats_reference.py

# Rebuild the lm-evaluation-harness request fixture for the text suites with the real lm-eval.
compat-lm-eval: setup
    python3 scripts/compat/lm_eval_requests.py

# Rewrite the lm-eval output folders and Inspect logs `claimbench import` is tested on, with the
# real lm-eval and Inspect (their mock models, and both against the LLM server it starts).
compat-import: setup
    scripts/compat/import_fixtures.sh

# Formatting and lints.
lint:
    cargo fmt --all --check
    cargo clippy --locked --workspace --all-targets -- -D warnings
    cargo clippy --locked -p claimbench --test services -p claimbench-gguf --test model -- -D warnings

# Fuzz every parser of user input for SECONDS each (cargo fuzz; two targets at a time); prints executions.
fuzz seconds="600" *targets: setup
    scripts/fuzz.sh {{seconds}} {{targets}}

# Crash safety: SIGKILL a run at 20 random moments, resume each, compare with an uninterrupted run.
# Another backend: `just kill-resume examples/systems/smollm2-server.toml 30` (with its server running).
kill-resume system="examples/systems/sum.toml" limit="1319": setup
    cargo build --locked -p claimbench
    python3 scripts/kill_resume.py target/debug/claimbench --system {{system}} --limit {{limit}} --kills 20
