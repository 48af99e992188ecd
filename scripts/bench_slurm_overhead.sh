#!/usr/bin/env bash
# Fan-out overhead of the Slurm executor on a local one-node cluster: time from submission to
# gathered result minus the slowest shard's own time, for 8 shards of a trivial system.
# Target: at most 5 s.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet --locked -p claimbench
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
scripts/slurm/with-cluster.sh .tools/slurm-bench target/debug/claimbench run gsm8k \
  --system "command:python3 examples/systems/number_heuristic.py" --limit 400 \
  --executor slurm --shards 8 --out "$out" 2>/dev/null | grep '^slurm:'
echo "target: fan-out overhead <= 5 s"
