#!/usr/bin/env bash
# Build the swarmproof Vagrant box for libvirt, offline: the VM image's recipe
# (infra/vm/build.sh) with sshd, sudo and a `vagrant` user whose key is made here, for this
# box alone. The guest boots its own kernel directly (no boot loader), as the VM engine's does.
#
#   build.sh OUT_DIR [MIRROR]        writes OUT_DIR/{swarmproof.box,vagrant_key,host_key.pub,vmlinuz}
#                                   (vmlinuz: for the harness's probe of whether KVM boots it)
#
# PRELOAD_TAR (a `docker save` archive, optional) goes into the guest's own image store, so
# that no image crosses at run time.
set -euo pipefail
out=$1
mirror=${2:-http://deb.debian.org/debian}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${out%/}.build.XXXXXX")
trap 'rm -rf "$work"' EXIT

ssh-keygen -q -t ed25519 -N "" -C swarmproof-box -f "$work/vagrant_key"
VAGRANT_PUBKEY=$work/vagrant_key.pub HOST_KEY_OUT=$work/host_key.pub OVERLAY=$here/overlay \
  EXTRA_PACKAGES=openssh-server,sudo,dbus CUSTOMIZE=$here/customize.sh \
  bash "$here/../../vm/build.sh" "$work/image" "$mirror"

box=$work/box
mkdir -p "$box"
qemu-img convert -O qcow2 "$work/image/root.raw" "$box/box.img"
mv "$work/image/vmlinuz" "$work/image/initrd.img" "$box/"
size_gb=$(( ($(stat -c %s "$work/image/root.raw") + (1 << 30) - 1) >> 30 ))
printf '{"provider": "libvirt", "format": "qcow2", "virtual_size": %d}\n' "$size_gb" > "$box/metadata.json"
cp "$here/Vagrantfile" "$box/Vagrantfile"
tar -C "$box" -cf "$work/swarmproof.box" metadata.json Vagrantfile box.img vmlinuz initrd.img

mkdir -p "$out"
cp "$box/vmlinuz" "$work/vmlinuz"
mv "$work/swarmproof.box" "$work/vagrant_key" "$work/host_key.pub" "$work/vmlinuz" "$out/"
