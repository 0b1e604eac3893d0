#!/bin/sh
# Start dockerd inside a node container, after the preparation docker:dind's `dind` does.
set -eu

# Mount propagation for the bind mounts dockerd makes of network namespaces.
mount --make-rshared / 2>/dev/null || true

# cgroup v2: move ourselves out of the root cgroup so controllers can be delegated to
# the inner containers (as docker:dind does). cgroup v1 needs nothing here.
if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
  mkdir -p /sys/fs/cgroup/init
  xargs -rn1 < /sys/fs/cgroup/cgroup.procs > /sys/fs/cgroup/init/cgroup.procs 2>/dev/null || true
  sed -e 's/ / +/g' -e 's/^/+/' < /sys/fs/cgroup/cgroup.controllers \
    > /sys/fs/cgroup/cgroup.subtree_control 2>/dev/null || true
fi

# The harness reaches this dockerd only through `docker exec` (see fixtures/providers/dind.py),
# so it listens on its unix socket alone: no TCP port, authenticated or not.
#
# On a starved machine (an emulated VM under load) dockerd can give up waiting for its
# containerd and exit: start it again, as systemd would, rather than lose the node. A
# TERM (docker stop: a clean shutdown) goes to dockerd, and the node ends with it.
pid=
trap 'kill -TERM "$pid" 2>/dev/null; wait "$pid"; exit 0' TERM INT
while :; do
  dockerd --host unix:///var/run/docker.sock "$@" &
  pid=$!
  status=0
  wait "$pid" || status=$?
  echo "node-entrypoint: dockerd exited with status $status; starting it again in 2 s" >&2
  sleep 2
done
