#!/usr/bin/env bash
# A single-node Slurm cluster on this machine, for testing job scripts (test/unit/cluster-slurm.test.ts):
#   scripts/slurm-local.sh start DIR   writes DIR/slurm.conf and a munge key, starts munged, slurmctld and
#                                       slurmd (as root, no systemd), waits until the node is idle; then
#                                       SLURM_CONF=DIR/slurm.conf sbatch/squeue/scontrol talk to it
#   scripts/slurm-local.sh stop DIR    cancels its jobs and stops the three daemons (by their pid files)
# Everything (state, spool, logs, sockets) stays in DIR; ports are 6817/6818 plus an offset
# (SLURM_LOCAL_PORT, default derived from DIR) so it does not meet a real Slurm on the machine.
# Needs Debian's slurm-wlm and munge (scripts/setup-slurm.sh installs them).
set -euo pipefail
export PATH="$PATH:/usr/sbin:/sbin"
cmd=${1:-}; dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 start|stop DIR" >&2; exit 2; }
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
export SLURM_CONF="$dir/slurm.conf"

stop_pid() { # pid file, name: TERM, wait up to 10 s, then KILL
  local f=$1 pid
  [ -f "$f" ] || return 0
  pid=$(cat "$f")
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$f"
}

if [ "$cmd" = stop ]; then
  [ -f "$SLURM_CONF" ] && timeout 10 scancel --full --quiet --user="$(id -un)" 2>/dev/null || true
  stop_pid "$dir/slurmd.pid"
  stop_pid "$dir/slurmctld.pid"
  stop_pid "$dir/munged.pid"
  exit 0
fi
[ "$cmd" = start ] || { echo "usage: $0 start|stop DIR" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || { echo "slurm-local: must run as root (slurmd and munged are started directly)" >&2; exit 1; }
for c in munged slurmctld slurmd sbatch; do command -v "$c" >/dev/null || { echo "slurm-local: $c is missing; run scripts/setup-slurm.sh" >&2; exit 1; }; done

port=${SLURM_LOCAL_PORT:-$(( 20000 + $(printf '%s' "$dir" | cksum | cut -d' ' -f1) % 10000 * 2 ))}
node=$(hostname -s)
cpus=$(nproc)
mem=$(( $(awk '/^MemTotal:/ {print $2}' /proc/meminfo) / 1024 * 9 / 10 ))
mkdir -p "$dir/state" "$dir/spool" "$dir/log"
# munged checks that every folder above its socket is reachable by all.
chmod 755 "$dir"
[ -f "$dir/munge.key" ] || { head -c 1024 /dev/urandom > "$dir/munge.key"; chmod 600 "$dir/munge.key"; }

cat > "$SLURM_CONF" <<EOF
# Written by scripts/slurm-local.sh: one node, root everywhere, no cgroups, no accounting.
ClusterName=imlplocal
SlurmctldHost=$node(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$dir/munge.socket
CredType=cred/munge
SlurmctldPort=$port
SlurmdPort=$((port + 1))
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
ReturnToService=2
MinJobAge=600
NodeName=$node NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF

munged --force --socket="$dir/munge.socket" --key-file="$dir/munge.key" --log-file="$dir/log/munged.log" \
  --pid-file="$dir/munged.pid" --seed-file="$dir/munged.seed"
slurmctld -f "$SLURM_CONF"
slurmd -f "$SLURM_CONF" -N "$node"
for _ in $(seq 150); do
  state=$(sinfo -h -n "$node" -o %T 2>/dev/null || true)
  [ "$state" = idle ] && { echo "slurm-local: node $node idle ($cpus CPUs, $mem MiB), port $port, SLURM_CONF=$SLURM_CONF" >&2; exit 0; }
  sleep 0.2
done
echo "slurm-local: the node did not become idle within 30 s (state: ${state:-none}); logs in $dir/log:" >&2
tail -n 5 "$dir"/log/*.log >&2 || true
exit 1
