#!/usr/bin/env bash
# Fail if any container, network or volume of a swarmproof run is left on the engine
# (kept clusters excepted: they are left on purpose, with --keep-cluster).
set -euo pipefail
left=$( {
  docker ps -aq --filter label=io.swarmproof.run
  docker network ls -q --filter label=io.swarmproof.run
  docker volume ls -q --filter label=io.swarmproof.run
} | sort -u)
if [ -n "$left" ]; then
  echo "assert-clean: resources of swarmproof runs are left on the engine:" >&2
  docker ps -a --filter label=io.swarmproof.run >&2
  docker network ls --filter label=io.swarmproof.run >&2
  docker volume ls --filter label=io.swarmproof.run >&2
  exit 1
fi
echo "assert-clean: no container, network or volume of any swarmproof run is left"
if pgrep -f "qemu-system-x86_64.*swarmproof-vm-" >/dev/null; then
  echo "assert-clean: a swarmproof VM (qemu) is still running:" >&2
  pgrep -af "qemu-system-x86_64.*swarmproof-vm-" >&2
  exit 1
fi
echo "assert-clean: no swarmproof VM is running"
# Vagrant hosts: libvirt's domains, volumes and networks of a run are named sp-<run>-...,
# and the run's Vagrant state is in the cache's vagrant-runs/<run>.
# A libvirtd that does not answer hides what it holds: its definitions on disk still tell.
if compgen -G "/etc/libvirt/qemu/sp-*.xml" >/dev/null && ! virsh -c qemu:///system version >/dev/null 2>&1; then
  echo "assert-clean: libvirt has domains of swarmproof runs defined, and libvirtd does not answer:" >&2
  ls /etc/libvirt/qemu/sp-*.xml >&2
  exit 1
fi
if command -v virsh >/dev/null && virsh -c qemu:///system version >/dev/null 2>&1; then
  listed=$(virsh -c qemu:///system list --all --name && virsh -c qemu:///system net-list --all --name &&
           { ! virsh -c qemu:///system pool-info default >/dev/null 2>&1 ||
             virsh -c qemu:///system vol-list default | awk 'NR > 2 {print $1}'; }) \
    || { echo "assert-clean: libvirt answers but will not list its domains, networks or volumes" >&2; exit 1; }
  left=$(grep -E '^sp-[0-9a-f]{8}-' <<<"$listed" || true)
  if [ -n "$left" ]; then
    echo "assert-clean: libvirt still has domains, volumes or networks of swarmproof runs:" >&2
    echo "$left" >&2
    exit 1
  fi
  echo "assert-clean: libvirt has no domain, volume or network of any swarmproof run"
fi
runs=${SWARMPROOF_CACHE:-$HOME/.cache/swarmproof}/vagrant-runs
if compgen -G "$runs/*" >/dev/null; then
  echo "assert-clean: Vagrant state of swarmproof runs is left in $runs:" >&2
  ls "$runs" >&2
  exit 1
fi
