#!/usr/bin/env bash
# Starts a one-node Slurm cluster on 127.0.0.1 for claimbench's tests: munged, slurmctld and
# slurmd with the project's own configuration under STATE_DIR, and eight fake GPUs so that
# --gpus-per-task is exercised. Prints the SLURM_CONF to export. Stop it with stop.sh.
set -euo pipefail
state=$(realpath -m "${1:?usage: start.sh STATE_DIR}")
for tool in munged mungekey slurmctld slurmd sinfo; do
  command -v "$tool" >/dev/null || { echo "start.sh: $tool not found (apt-get install slurm-wlm slurm-client munge)" >&2; exit 2; }
done
if [ -f "$state/slurmctld.pid" ] && kill -0 "$(cat "$state/slurmctld.pid")" 2>/dev/null; then
  echo "$state/slurm.conf"
  exit 0
fi
rm -rf "$state"
mkdir -p "$state"/{state,spool,gpu,munge}
chmod 700 "$state/munge"
host=$(hostname -s)
cpus=16
gpus=8

for i in $(seq 0 $((gpus - 1))); do
  # Character devices stand in for GPUs: slurmd only needs the files to exist.
  mknod "$state/gpu/fakegpu$i" c 1 3
done

cat > "$state/slurm.conf" <<CONF
ClusterName=claimbench
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
AuthType=auth/munge
AuthInfo=socket=$state/munge/munge.sock
CredType=cred/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerParameters=batch_sched_delay=0
ReturnToService=2
MinJobAge=600
KillWait=2
JobCompType=jobcomp/filetxt
JobCompLoc=$state/jobcomp.log
StateSaveLocation=$state/state
SlurmdSpoolDir=$state/spool
SlurmctldPidFile=$state/slurmctld.pid
SlurmdPidFile=$state/slurmd.pid
SlurmctldLogFile=$state/slurmctld.log
SlurmdLogFile=$state/slurmd.log
SlurmctldPort=6817
SlurmdPort=6818
GresTypes=gpu
SlurmdParameters=config_overrides
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus Gres=gpu:$gpus State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
cat > "$state/gres.conf" <<CONF
AutoDetect=off
NodeName=$host Name=gpu File=$state/gpu/fakegpu[0-$((gpus - 1))]
CONF

mungekey --create --keyfile="$state/munge/munge.key" --force >/dev/null 2>&1
munged --force --socket="$state/munge/munge.sock" --key-file="$state/munge/munge.key" \
  --pid-file="$state/munge/munged.pid" --log-file="$state/munge/munged.log" --seed-file="$state/munge/munged.seed"
for _ in $(seq 100); do [ -S "$state/munge/munge.sock" ] && break; sleep 0.1; done
[ -S "$state/munge/munge.sock" ] || { echo "start.sh: munged did not start (see $state/munge/munged.log)" >&2; exit 2; }

export SLURM_CONF=$state/slurm.conf
slurmctld -i
slurmd
for _ in $(seq 150); do
  if [ "$(sinfo -h -o %T 2>/dev/null)" = idle ]; then
    echo "$SLURM_CONF"
    exit 0
  fi
  sleep 0.2
done
echo "start.sh: the node did not become idle: $(sinfo -h -o '%T %E' 2>&1); see $state/slurmctld.log and $state/slurmd.log" >&2
exit 2
