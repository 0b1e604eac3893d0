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
# Vagrant hosts: libvirt's domains, volumes and networks of a run are named sp-<run>-...
# A libvirtd that does not answer hides what it holds: its definitions on disk still tell.
if compgen -G "/etc/libvirt/qemu/sp-*.xml" >/dev/null && ! virsh -c qemu:///system version >/dev/null 2>&1; then
  echo "assert-clean: libvirt has domains of swarmproof runs defined, and libvirtd does not answer:" >&2
  ls /etc/libvirt/qemu/sp-*.xml >&2
  exit 1
fi
if command -v virsh >/dev/null && virsh -c qemu:///system version >/dev/null 2>&1; then
  left=$( {
    virsh -c qemu:///system list --all --name
    virsh -c qemu:///system vol-list default 2>/dev/null | awk 'NR > 2 {print $1}'
    virsh -c qemu:///system net-list --all --name
  } | grep '^sp-' || true)
  if [ -n "$left" ]; then
    echo "assert-clean: libvirt still has domains, volumes or networks of swarmproof runs:" >&2
    echo "$left" >&2
    exit 1
  fi
  echo "assert-clean: libvirt has no domain, volume or network of any swarmproof run"
fi
