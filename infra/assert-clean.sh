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
