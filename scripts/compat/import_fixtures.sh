#!/usr/bin/env bash
# Rewrites the files `claimbench import` is tested on, written by the real tools:
# harness/tests/fixtures/import/lm-eval/runs (lm-eval's output folders,
# scripts/compat/lm_eval_outputs.py) and harness/tests/fixtures/import/inspect/logs (Inspect's
# eval logs, scripts/compat/inspect_logs.py). Their server runs go to the project's LLM server,
# started here on a free port and stopped at the end.
set -euo pipefail
cd "$(dirname "$0")/../.."
scripts/llm/server.sh install
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
mkdir -p .tools
pid="$(scripts/llm/server.sh start "$port" .tools/compat-server.log)"
trap 'kill "$pid" 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do
    curl -sf "http://127.0.0.1:$port/v1/models" >/dev/null && break
    sleep 1
done
fixtures=harness/tests/fixtures/import
write() { # write SCRIPT TARGET: the script writes into a new folder, which replaces TARGET
    local out
    out="$(mktemp -d)"
    python3 "$1" "$out/logs" "http://127.0.0.1:$port/v1"
    rm -rf "$2"
    mv "$out/logs" "$2"
    chmod -R a+rX "$2"
    echo "wrote $2" >&2
}
write scripts/compat/lm_eval_outputs.py "$fixtures/lm-eval/runs"
write scripts/compat/inspect_logs.py "$fixtures/inspect/logs"
python3 scripts/compat/inspect_scorers.py "$fixtures/inspect/scorers.jsonl"
