#!/usr/bin/env bash
# The Vagrant box's own: a `vagrant` user who may use docker and sudo without a password,
# reached with the key made for this box (VAGRANT_PUBKEY: never the world-known insecure
# key), and sshd. Run by infra/vm/build.sh with the guest's root folder.
set -euo pipefail
root=$1
chroot "$root" useradd --create-home --shell /bin/bash --groups docker,sudo vagrant
install -d -m 0700 "$root/home/vagrant/.ssh"
install -m 0600 "$VAGRANT_PUBKEY" "$root/home/vagrant/.ssh/authorized_keys"
chroot "$root" chown -R vagrant:vagrant /home/vagrant/.ssh
chmod 0440 "$root/etc/sudoers.d/vagrant"
chroot "$root" systemctl enable ssh.service >/dev/null
# Each guest makes a machine-id of its own at its first boot (systemd does, for an empty file).
: > "$root/etc/machine-id"
[ -z "${HOST_KEY_OUT:-}" ] || cp "$root/etc/ssh/ssh_host_ed25519_key.pub" "$HOST_KEY_OUT"
