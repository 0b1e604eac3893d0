#!/usr/bin/env bash
# Build the swarmproof VM image offline: Debian bookworm with its stock kernel (which has
# ip_vs), systemd and Debian's docker.io, written to a raw ext4 disk with `mkfs.ext4 -d`
# (no loop mounts, so no privileges beyond root's file access). Kernel and initrd are
# kept beside the disk: qemu boots them directly (-kernel/-initrd), no boot loader.
#
#   build.sh OUT_DIR [MIRROR]    writes OUT_DIR/{root.raw,vmlinuz,initrd.img}
#
# Optional, from the environment (each a `docker save` archive), loaded at build time by a
# throwaway dockerd on this machine, because a load inside the emulated VM costs minutes:
#   PRELOAD_TAR     into the VM's own image store (the node image, the base image);
#   SEED_TAR        into a dockerd data root kept as the VM's volume SEED_VOLUME, from
#                   which each node's /var/lib/docker is made by hard links (fixtures/seed.py).
# A variant of the image (the Vagrant box: infra/vagrant/box/build.sh) gives instead:
#   OVERLAY         the guest's configuration (default: overlay/ beside this script);
#   EXTRA_PACKAGES  more packages, comma-separated;
#   CUSTOMIZE       a script run with the root folder as its argument, after the overlay.
set -euo pipefail
out=$1
mirror=${2:-http://deb.debian.org/debian}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${out%/}.build.XXXXXX")
trap 'rm -rf "$work"' EXIT
root=$work/root

packages=linux-image-amd64,systemd-sysv,udev,kmod,iproute2,iptables,docker.io,ca-certificates${EXTRA_PACKAGES:+,$EXTRA_PACKAGES}
overlay=${OVERLAY:-$here/overlay}
debootstrap --variant=minbase --include="$packages" bookworm "$root" "$mirror" >"$work/debootstrap.log" 2>&1 \
  || { tail -n 30 "$work/debootstrap.log" >&2; exit 1; }

# The guest's configuration, from the overlay (owned by root, modes kept).
cp -a --no-preserve=ownership "$overlay/." "$root/"
if [ -z "${OVERLAY:-}" ]; then
  chroot "$root" systemctl enable systemd-networkd.service swarmproof-certs.service >/dev/null 2>&1
else
  chroot "$root" systemctl enable systemd-networkd.service >/dev/null 2>&1
fi
[ -z "${CUSTOMIZE:-}" ] || bash "$CUSTOMIZE" "$root"
# Nothing in the guest needs these; they only slow a TCG boot.
chroot "$root" systemctl mask apt-daily.timer apt-daily-upgrade.timer e2scrub_reap.service \
  systemd-timesyncd.service >/dev/null 2>&1 || true
echo swarmproof-vm > "$root/etc/hostname"
printf '/dev/vda / ext4 rw,relatime 0 1\n' > "$root/etc/fstab"
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* \
  "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/locale/*

preload() {  # DATA_ROOT ARCHIVE
  local data_root=$1 archive=$2
  # A short path: containerd's socket lives under it, and unix socket paths are short.
  local state sock waited=0
  state=$(mktemp -d /tmp/sp-dockerd.XXXXXX)
  sock=$state/docker.sock
  # Own network and mount namespaces: this dockerd must not touch the host's bridge or mounts.
  unshare --net --mount dockerd --data-root "$data_root" --exec-root "$state/exec" --pidfile "$state/dockerd.pid" \
    -H "unix://$sock" --bridge=none --iptables=false --ip-masq=false --storage-driver=overlay2 \
    >"$state/dockerd.log" 2>&1 &
  local pid=$!
  until docker -H "unix://$sock" info >/dev/null 2>&1; do
    waited=$((waited + 1))
    [ "$waited" -lt 60 ] && kill -0 "$pid" 2>/dev/null || { tail -n 20 "$state/dockerd.log" >&2; kill "$pid" 2>/dev/null; exit 1; }
    sleep 0.5
  done
  docker -H "unix://$sock" load --quiet --input "$archive" >/dev/null
  kill "$pid"; wait "$pid" || true
  rm -rf "$state"
  # State written in place (network, swarm, volume databases) is for the dockerd that
  # will own this data root to create: only image files stay.
  rm -rf "$data_root"/network "$data_root"/containerd "$data_root"/runtimes "$data_root"/swarm \
    "$data_root"/volumes "$data_root"/buildkit "$data_root"/tmp
}
[ -z "${PRELOAD_TAR:-}" ] || preload "$root/var/lib/docker" "$PRELOAD_TAR"
if [ -n "${SEED_TAR:-}" ]; then
  preload "$root/var/lib/docker/volumes/$SEED_VOLUME/_data" "$SEED_TAR"
  touch "$root/var/lib/docker/volumes/$SEED_VOLUME/_data/.swarmproof-seed-complete"
fi

mkdir -p "$out"
cp "$root"/boot/vmlinuz-* "$work/vmlinuz"
cp "$root"/boot/initrd.img-* "$work/initrd.img"
# Sparse: 24G of room for the nodes' images and containers, a few hundred MB on disk.
truncate -s 24G "$work/root.raw"
mkfs.ext4 -q -L swarmproof-root -d "$root" "$work/root.raw"
mv "$work/vmlinuz" "$work/initrd.img" "$work/root.raw" "$out/"
