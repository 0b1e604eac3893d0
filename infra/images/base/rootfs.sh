#!/usr/bin/env bash
# Make a minimal Debian bookworm root file system in DIR from MIRROR, for `docker import`.
# Used only where no registry serves debian:bookworm-slim. Needs root and debootstrap.
set -euo pipefail
dir=$1
mirror=${2:-http://deb.debian.org/debian}
debootstrap --variant=minbase bookworm "$dir" "$mirror" >"$dir.log" 2>&1 \
  || { tail -n 20 "$dir.log" >&2; exit 1; }
# What every image layer above would otherwise carry for nothing.
rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir"/var/lib/apt/lists/* \
  "$dir"/usr/share/doc/* "$dir"/usr/share/man/* "$dir"/usr/share/locale/*
