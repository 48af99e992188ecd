#!/usr/bin/env bash
# Stops the daemons start.sh started, by the pids in their pid files.
set -uo pipefail
state=$(realpath -m "${1:?usage: stop.sh STATE_DIR}")
for pidfile in "$state/slurmd.pid" "$state/slurmctld.pid" "$state/munge/munged.pid"; do
  [ -f "$pidfile" ] || continue
  pid=$(cat "$pidfile")
  kill "$pid" 2>/dev/null || continue
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$pidfile"
done
