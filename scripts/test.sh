#!/usr/bin/env bash
# Every test, with the real services they use: a one-node Slurm cluster and an OpenAI-compatible
# LLM server (llama-cpp-python on SmolLM2) run for the tests; then each fuzz target for a minute.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .tools
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
llm_pid="$(scripts/llm/server.sh start "$port" .tools/llm-server.log)"
trap 'kill "$llm_pid" 2>/dev/null || true' EXIT
export CLAIMBENCH_LLM_URL="http://127.0.0.1:$port/v1"
CLAIMBENCH_LLM_MODEL="$(scripts/llm/server.sh model)"
export CLAIMBENCH_LLM_MODEL
echo "LLM server: $CLAIMBENCH_LLM_URL (pid $llm_pid), model $CLAIMBENCH_LLM_MODEL" >&2
scripts/slurm/with-cluster.sh .tools/slurm-test cargo test --locked --workspace --all-targets
# Every fuzz target briefly, replaying its seeds and past crash inputs first; a crash fails the run.
scripts/fuzz.sh "${CLAIMBENCH_FUZZ_SECONDS:-60}"
