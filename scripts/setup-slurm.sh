#!/usr/bin/env bash
# Installs Debian's Slurm (slurm-wlm: slurmctld, slurmd, the sbatch/squeue client) and munge, which
# test/unit/cluster-slurm.test.ts starts as a single-node cluster. Idempotent: when the commands are
# already there it prints nothing and returns at once. Without root or apt-get it says so and exits 0;
# the test then skips with that reason.
set -euo pipefail
have() { command -v slurmctld >/dev/null && command -v slurmd >/dev/null && command -v sbatch >/dev/null && command -v munged >/dev/null; }
have && exit 0
export PATH="$PATH:/usr/sbin:/sbin"
have && exit 0
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
  echo "setup-slurm: not installing slurm-wlm and munge (needs root and apt-get); the Slurm test will skip" >&2
  exit 0
fi
echo "setup-slurm: installing slurm-wlm and munge from Debian" >&2
export DEBIAN_FRONTEND=noninteractive
apt=(apt-get -o DPkg::Lock::Timeout=120 -y -qq)
pkgs=(slurm-wlm munge)
"${apt[@]}" install --no-install-recommends "${pkgs[@]}" >/dev/null 2>&1 \
  || { "${apt[@]}" update >/dev/null && "${apt[@]}" install --no-install-recommends "${pkgs[@]}" >/dev/null; }
