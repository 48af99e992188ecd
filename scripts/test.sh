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
phase "building the tests" "$build"

# Everything but the LLM tests, which follow on their own: they time a model and a server that
# would otherwise share two cores with LAMMPS, Slurm and each other.
rest="$(date +%s)"
scripts/slurm/with-cluster.sh .tools/slurm-test cargo test --locked --workspace --lib --bins --tests --examples -- --skip llm::
# The benchmarks once each in test mode (criterion takes no --skip).
cargo test --locked --workspace --benches
phase "unit, integration and CLI tests (but the LLM tests)" "$rest"
llm="$(date +%s)"
cargo test --locked -p claimbench --test cli llm:: -- --test-threads=1 --nocapture
phase "the LLM tests (one at a time; their budget is 600 s on 2 cores)" "$llm"

# Every fuzz target briefly, replaying its seeds and past crash inputs first; a crash fails the run.
fuzz="$(date +%s)"
scripts/fuzz.sh "${CLAIMBENCH_FUZZ_SECONDS:-60}"
phase "fuzzing" "$fuzz"
phase "everything" "$started"
