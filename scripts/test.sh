#!/usr/bin/env bash
# Every test, with the real services they use: a one-node Slurm cluster runs for the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/slurm/with-cluster.sh .tools/slurm-test cargo test --locked --workspace --all-targets
