#!/bin/sh
# Host keys of its own, sshd, then dockerd as any swarm node runs it. dockerd's log goes to
# /var/log/dockerd.log, where a host's owner (and the ssh provider) would look for it.
set -eu
ssh-keygen -A >/dev/null
mkdir -p /run/sshd /root/.ssh
chmod 700 /root/.ssh
/usr/sbin/sshd
exec /usr/local/bin/node-entrypoint "$@" >> /var/log/dockerd.log 2>&1
