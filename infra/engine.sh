#!/usr/bin/env bash
# Make sure a Docker engine answers, installing and starting Debian's dockerd if needed.
#
# - If `docker info` already answers (DOCKER_HOST or the default socket): do nothing.
# - Otherwise, as root on Debian: install docker.io (with iptables and debootstrap, which
#   the image builder needs), start dockerd in the background, wait until it answers.
# - Otherwise: say exactly what to do, and exit 1.
set -euo pipefail

LOG=${SWARMPROOF_DOCKERD_LOG:-/var/log/swarmproof-dockerd.log}
DEADLINE=${SWARMPROOF_ENGINE_WAIT:-60}

say() { printf 'engine: %s\n' "$*" >&2; }

engine_answers() { docker info --format '{{.ServerVersion}}' >/dev/null 2>&1; }

install_packages() {
  local missing=()
  for pkg in docker.io iptables debootstrap; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  say "installing ${missing[*]} from Debian"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

start_dockerd() {
  say "starting dockerd (log: $LOG)"
  # setsid: dockerd must outlive this script and the shell that ran it.
  setsid dockerd >>"$LOG" 2>&1 </dev/null &
  local waited=0
  until engine_answers; do
    if [ "$waited" -ge "$DEADLINE" ]; then
      say "dockerd did not answer within ${DEADLINE}s; last log lines:"
      tail -n 20 "$LOG" >&2
      exit 1
    fi
    sleep 1; waited=$((waited + 1))
  done
  say "dockerd answers after ${waited}s"
}

main() {
  if ! command -v docker >/dev/null 2>&1 && [ "$(id -u)" -ne 0 ]; then
    say "no docker CLI and not root: install Docker (https://docs.docker.com/engine/install/) and re-run"
    exit 1
  fi
  if engine_answers; then
    say "already running ($(docker info --format '{{.ServerVersion}}'))"
    return 0
  fi
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    say "no engine answers at ${DOCKER_HOST:-the default socket}; start Docker (or set DOCKER_HOST), or re-run as root on Debian to install it"
    exit 1
  fi
  install_packages
  if [ -S /var/run/docker.sock ] && pgrep -x dockerd >/dev/null; then
    say "dockerd is running but does not answer; see $LOG"
    exit 1
  fi
  start_dockerd
}

main "$@"
