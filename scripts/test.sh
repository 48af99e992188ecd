#!/usr/bin/env bash
# Every test, with the real services they use: a one-node Slurm cluster is started for the
# run and stopped afterwards, by pid.
set -euo pipefail
cd "$(dirname "$0")/.."
state=$PWD/.tools/slurm-test
SLURM_CONF=$(scripts/slurm/start.sh "$state")
export SLURM_CONF
trap 'scripts/slurm/stop.sh "$state"' EXIT
cargo test --locked --workspace --all-targets
