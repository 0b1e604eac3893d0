#!/bin/sh
# Start dockerd inside a node container, once the node is prepared (prepare.sh).
set -eu

/usr/local/bin/node-prepare

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
