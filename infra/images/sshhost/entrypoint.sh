#!/bin/sh
# A host as its owner would run it: host keys of its own, sshd, and dockerd as a service
# of its init system (Debian's /etc/init.d/docker: `service docker start|stop`, its log in
# /var/log/docker.log). The ssh provider's power actions stop and start it there as on any
# host without systemd, and nothing starts it again behind their back.
set -eu
/usr/local/bin/node-prepare
ssh-keygen -A >/dev/null
mkdir -p /run/sshd /root/.ssh
chmod 700 /root/.ssh
/usr/sbin/sshd
service docker start >/dev/null
# A TERM (docker stop: the host shuts down) stops the docker service cleanly first.
trap 'service docker stop >/dev/null; exit 0' TERM INT
while :; do
  sleep 3600 &
  wait $! || true
done
