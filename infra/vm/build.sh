#!/usr/bin/env bash
# Build the swarmproof VM image offline: Debian bookworm with its stock kernel (which has
# ip_vs), systemd and Debian's docker.io, written to a raw ext4 disk with `mkfs.ext4 -d`
# (no loop mounts, so no privileges beyond root's file access). Kernel and initrd are
# kept beside the disk: qemu boots them directly (-kernel/-initrd), no boot loader.
#
#   build.sh OUT_DIR [MIRROR [IMAGES_TAR]]    writes OUT_DIR/{root.raw,vmlinuz,initrd.img}
#
# IMAGES_TAR (a `docker save` archive) is loaded into the VM's image store at build time,
# by a throwaway dockerd on this machine whose data root is the VM's /var/lib/docker: a
# load inside the emulated VM would cost minutes at every boot.
set -euo pipefail
out=$1
mirror=${2:-http://deb.debian.org/debian}
images=${3:-}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${out%/}.build.XXXXXX")
trap 'rm -rf "$work"' EXIT
root=$work/root

packages=linux-image-amd64,systemd-sysv,udev,kmod,iproute2,iptables,docker.io,ca-certificates
debootstrap --variant=minbase --include="$packages" bookworm "$root" "$mirror" >"$work/debootstrap.log" 2>&1 \
  || { tail -n 30 "$work/debootstrap.log" >&2; exit 1; }

# The guest's configuration, from overlay/ (owned by root, modes kept).
cp -a "$here/overlay/." "$root/"
chown -R 0:0 "$root/etc/systemd" "$root/usr/local"
chroot "$root" systemctl enable systemd-networkd.service swarmproof-certs.service >/dev/null 2>&1
# Nothing in the guest needs these; they only slow a TCG boot.
chroot "$root" systemctl mask apt-daily.timer apt-daily-upgrade.timer e2scrub_reap.service \
  systemd-timesyncd.service >/dev/null 2>&1 || true
echo swarmproof-vm > "$root/etc/hostname"
printf '/dev/vda / ext4 rw,relatime 0 1\n' > "$root/etc/fstab"
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* \
  "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/locale/*

preload() {
  # A short path: containerd's socket lives under it, and unix socket paths are short.
  local state sock waited=0
  state=$(mktemp -d /tmp/sp-dockerd.XXXXXX)
  sock=$state/docker.sock
  # Own network and mount namespaces: this dockerd must not touch the host's bridge or mounts.
  unshare --net --mount dockerd --data-root "$root/var/lib/docker" --exec-root "$state/exec" --pidfile "$state/dockerd.pid" \
    -H "unix://$sock" --bridge=none --iptables=false --ip-masq=false --storage-driver=overlay2 \
    >"$state/dockerd.log" 2>&1 &
  local pid=$!
  until docker -H "unix://$sock" info >/dev/null 2>&1; do
    waited=$((waited + 1))
    [ "$waited" -lt 60 ] && kill -0 "$pid" 2>/dev/null || { tail -n 20 "$state/dockerd.log" >&2; kill "$pid" 2>/dev/null; exit 1; }
    sleep 0.5
  done
  docker -H "unix://$sock" load --quiet --input "$images" >/dev/null
  kill "$pid"; wait "$pid" || true
  rm -rf "$state"
  # Network state is the VM dockerd's to create, with its own bridge.
  rm -rf "$root/var/lib/docker/network" "$root/var/lib/docker/containerd" "$root/var/lib/docker/runtimes"
}
[ -z "$images" ] || preload

mkdir -p "$out"
cp "$root"/boot/vmlinuz-* "$work/vmlinuz"
cp "$root"/boot/initrd.img-* "$work/initrd.img"
# Sparse: 24G of room for the nodes' images and containers, a few hundred MB on disk.
truncate -s 24G "$work/root.raw"
mkfs.ext4 -q -L swarmproof-root -d "$root" "$work/root.raw"
mv "$work/vmlinuz" "$work/initrd.img" "$work/root.raw" "$out/"
