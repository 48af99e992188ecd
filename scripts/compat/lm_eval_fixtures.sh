#!/usr/bin/env bash
# Rewrites harness/tests/fixtures/import/lm-eval/runs: the real lm-eval's output folders for
# `claimbench import lm-eval` (scripts/compat/lm_eval_outputs.py), its server run against the
# project's LLM server, started here on a free port and stopped at the end.
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
out="$(mktemp -d)"
python3 scripts/compat/lm_eval_outputs.py "$out" "http://127.0.0.1:$port/v1"
rm -rf harness/tests/fixtures/import/lm-eval/runs
mv "$out" harness/tests/fixtures/import/lm-eval/runs
chmod -R a+rX harness/tests/fixtures/import/lm-eval/runs
echo "wrote harness/tests/fixtures/import/lm-eval/runs" >&2
