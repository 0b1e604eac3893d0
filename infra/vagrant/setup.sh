#!/usr/bin/env bash
# What the vagrant provider needs on this machine, from Debian: Vagrant, its libvirt provider
# (Debian's vagrant-libvirt registers itself as a system plugin: no rubygems needed), libvirt
# and dnsmasq for its networks. libvirtd is started where it is not running (there may be no
# systemd: `virtlogd -d; libvirtd -d`), running qemu as root without a security driver so that
# it reads the box's kernel where Vagrant keeps it. Says what it changed.
set -euo pipefail
say() { printf 'setup (vagrant): %s\n' "$*" >&2; }

if ! command -v vagrant >/dev/null || ! command -v virsh >/dev/null || ! vagrant plugin list 2>/dev/null | grep -q vagrant-libvirt; then
  [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null || { say "install vagrant, vagrant-libvirt, libvirt-daemon-system, dnsmasq-base"; exit 1; }
  say "installing vagrant, vagrant-libvirt, libvirt-daemon-system, dnsmasq-base from Debian"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    vagrant vagrant-libvirt libvirt-daemon-system libvirt-clients dnsmasq-base qemu-utils >/dev/null
fi

conf=/etc/libvirt/qemu.conf
for setting in 'user = "root"' 'group = "root"' 'security_driver = "none"'; do
  if ! grep -qx "$setting" "$conf"; then
    printf '%s\n' "$setting" >> "$conf"
    say "set $setting in $conf"
    changed=1
  fi
done

if [ -n "${changed:-}" ] && virsh -c qemu:///system version >/dev/null 2>&1; then
  # Its VMs keep running across a restart; only new ones take the setting.
  if command -v systemctl >/dev/null && systemctl is-active -q libvirtd 2>/dev/null; then
    systemctl restart libvirtd
  else
    pkill -x libvirtd && while pgrep -x libvirtd >/dev/null; do sleep 0.2; done
  fi
  say "restarted libvirtd for $conf to take effect"
fi
if ! virsh -c qemu:///system version >/dev/null 2>&1; then
  pgrep -x virtlogd >/dev/null || virtlogd -d
  libvirtd -d
  say "started virtlogd and libvirtd"
fi
for _ in $(seq 1 50); do virsh -c qemu:///system version >/dev/null 2>&1 && break; sleep 0.2; done
virsh -c qemu:///system pool-info default >/dev/null 2>&1 || {
  virsh -c qemu:///system pool-define-as default dir --target /var/lib/libvirt/images >/dev/null
  virsh -c qemu:///system pool-build default >/dev/null
  virsh -c qemu:///system pool-start default >/dev/null
  virsh -c qemu:///system pool-autostart default >/dev/null
  say "made libvirt's storage pool default in /var/lib/libvirt/images"
}
if ! virsh -c qemu:///system pool-info default | grep -q '^State: *running'; then
  virsh -c qemu:///system pool-start default >/dev/null
  say "started libvirt's storage pool default"
fi
