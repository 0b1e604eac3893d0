#!/bin/sh
# What a node needs before its dockerd starts, as docker:dind's `dind` prepares it.
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
