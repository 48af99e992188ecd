#!/usr/bin/env bash
# Every test, with the real services they use: a one-node Slurm cluster and an OpenAI-compatible
# LLM server (llama-cpp-python on SmolLM2) run for the tests; then each fuzz target for a minute.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .tools
started="$(date +%s)"
phase() { echo "test.sh: $1 took $(($(date +%s) - $2)) s" >&2; }

# The server's build first (once per machine), then its instruction sets: it is built for the
# same x86-64-v3 level as claimbench, never for the CPU of the machine that built it.
scripts/llm/server.sh install
system_info="$(scripts/llm/server.sh system-info)"
echo "LLM server build: $system_info" >&2
if grep -Eq '(AVX512[A-Z0-9_]*|AMX[A-Z0-9_]*) = 1' <<<"$system_info"; then
    echo "test.sh: error: the LLM server was built with AVX-512 or AMX, which not every test machine executes" >&2
    exit 1
fi

port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
export CLAIMBENCH_LLM_LOG="$PWD/.tools/llm-server.log"
llm_pid="$(scripts/llm/server.sh start "$port" "$CLAIMBENCH_LLM_LOG")"
trap 'kill "$llm_pid" 2>/dev/null || true' EXIT
export CLAIMBENCH_LLM_URL="http://127.0.0.1:$port/v1"
CLAIMBENCH_LLM_MODEL="$(scripts/llm/server.sh model)"
export CLAIMBENCH_LLM_MODEL
echo "LLM server: $CLAIMBENCH_LLM_URL (pid $llm_pid), model $CLAIMBENCH_LLM_MODEL, log $CLAIMBENCH_LLM_LOG" >&2

build="$(date +%s)"
cargo test --locked --workspace --all-targets --no-run
# The targets that need real services, which plain `cargo test` leaves out.
cargo test --locked -p claimbench --test services --no-run
cargo test --locked -p claimbench-gguf --test model --no-run
phase "building the tests" "$build"

# What needs only Rust and Python 3: plain `cargo test`, and each benchmark once in test mode.
plain="$(date +%s)"
cargo test --locked --workspace --lib --bins --tests --examples
cargo test --locked --workspace --benches
phase "tests that need only Rust and Python (cargo test)" "$plain"
# Against the real services but the LLM server (Slurm, LAMMPS, PocketSphinx, sctk, sox,
# Chromium), and the built-in engine on the real model. The LLM tests follow on their own: they
# time a model and a server that would otherwise share two cores with LAMMPS, Slurm and each other.
services="$(date +%s)"
scripts/slurm/with-cluster.sh .tools/slurm-test cargo test --locked -p claimbench --test services -- --skip llm::
cargo test --locked -p claimbench-gguf --test model
phase "tests against Slurm, LAMMPS, speech tools and Chromium" "$services"
llm="$(date +%s)"
cargo test --locked -p claimbench --test services llm:: -- --test-threads=1 --nocapture
phase "the LLM tests (one at a time; their budget is 600 s on 2 cores)" "$llm"

# Every fuzz target briefly, replaying its seeds and past crash inputs first; a crash fails the run.
fuzz="$(date +%s)"
scripts/fuzz.sh "${CLAIMBENCH_FUZZ_SECONDS:-60}"
phase "fuzzing" "$fuzz"
phase "everything" "$started"
