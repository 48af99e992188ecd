#!/usr/bin/env bash
# Runs a command with a local one-node Slurm cluster up: starts it under STATE_DIR, exports
# SLURM_CONF, runs the command, and stops the daemons by pid however the command ends.
set -euo pipefail
state=$(realpath -m "${1:?usage: with-cluster.sh STATE_DIR COMMAND [ARG...]}")
shift
here=$(dirname "$0")
SLURM_CONF=$("$here/start.sh" "$state")
export SLURM_CONF
trap '"$here/stop.sh" "$state"' EXIT
"$@"
