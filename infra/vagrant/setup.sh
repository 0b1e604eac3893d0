#!/usr/bin/env bash
# What the vagrant provider needs on this machine, from Debian: Vagrant, its libvirt provider
# (Debian's vagrant-libvirt registers itself as a system plugin: no rubygems needed), libvirt,
# qemu and dnsmasq for its networks. libvirtd is started where it is not running (there may be
# no systemd: `virtlogd -d; libvirtd -d`), running qemu as root without a security driver so
# that it reads the box's kernel where Vagrant keeps it (machine-wide: every VM of this
# libvirt). Says what it changed.
set -euo pipefail
say() { printf 'setup (vagrant): %s\n' "$*" >&2; }
export VAGRANT_CHECKPOINT_DISABLE=1  # never call HashiCorp's servers
[ "$(id -u)" -eq 0 ] || { say "run as root: it installs packages and configures libvirt"; exit 1; }
virsh() { command virsh -c qemu:///system "$@"; }
answers() { virsh version >/dev/null 2>&1; }

plugins=$(vagrant plugin list 2>/dev/null || true)
if ! command -v virsh >/dev/null || ! command -v qemu-system-x86_64 >/dev/null || ! grep -q vagrant-libvirt <<<"$plugins"; then
  command -v apt-get >/dev/null || { say "install vagrant, vagrant-libvirt, libvirt-daemon-system, qemu-system-x86, dnsmasq-base"; exit 1; }
  say "installing vagrant, vagrant-libvirt, libvirt-daemon-system, qemu-system-x86, dnsmasq-base from Debian"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends vagrant vagrant-libvirt \
    libvirt-daemon-system libvirt-clients dnsmasq-base qemu-system-x86 qemu-utils >/dev/null
  fresh=1
fi

# libvirt takes a key's first value in qemu.conf: an existing line is changed in place.
conf=/etc/libvirt/qemu.conf
for setting in 'user = "root"' 'group = "root"' 'security_driver = "none"'; do
  key=${setting%% *}
  grep -qx "$setting" <(grep -E "^[[:space:]]*$key[[:space:]]*=" "$conf" | head -n 1) && continue
  if grep -qE "^[[:space:]]*$key[[:space:]]*=" "$conf"; then
    sed -i -E "0,/^[[:space:]]*$key[[:space:]]*=.*/s//$setting/" "$conf"
  else
    printf '%s\n' "$setting" >> "$conf"
  fi
  say "set $setting in $conf"
  changed=1
done

if [ -n "${changed:-}" ] && answers; then
  # Its VMs keep running across a restart; new ones take the setting.
  if command -v systemctl >/dev/null && systemctl is-active -q libvirtd 2>/dev/null; then
    systemctl restart libvirtd
  elif pkill -x libvirtd; then
    for _ in $(seq 1 50); do pgrep -x libvirtd >/dev/null || break; sleep 0.2; done
  fi
  say "restarted libvirtd for $conf to take effect"
fi
if ! answers; then
  pgrep -x virtlogd >/dev/null || virtlogd -d
  pgrep -x libvirtd >/dev/null || libvirtd -d
  for _ in $(seq 1 50); do answers && break; sleep 0.2; done
  answers || { say "libvirtd does not answer at qemu:///system"; exit 1; }
  say "started virtlogd and libvirtd"
fi

if ! virsh pool-info default >/dev/null 2>&1; then
  virsh pool-define-as default dir --target /var/lib/libvirt/images >/dev/null
  virsh pool-build default >/dev/null
  say "made libvirt's storage pool default in /var/lib/libvirt/images"
fi
if ! grep -qE '^State:[[:space:]]+running' <<<"$(virsh pool-info default)"; then
  virsh pool-start default >/dev/null
  say "started libvirt's storage pool default"
fi
if ! grep -qE '^Autostart:[[:space:]]+yes' <<<"$(virsh pool-info default)"; then
  virsh pool-autostart default >/dev/null
  say "marked libvirt's storage pool default to start with libvirtd"
fi
# The package's own NAT network (virbr0, dnsmasq on 192.168.122.1, masquerading) is not the
# harness's: each run makes networks of its own. Where this set-up installed libvirt, it is
# stopped and not started again.
if [ -n "${fresh:-}" ] && grep -qx default <<<"$(virsh net-list --name)"; then
  virsh net-destroy default >/dev/null
  virsh net-autostart --disable default >/dev/null
  say "stopped libvirt's default NAT network and its autostart (the runs make their own)"
fi
