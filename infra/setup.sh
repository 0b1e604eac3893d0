#!/usr/bin/env bash
# Set up everything swarmproof needs on this machine: a Docker engine, the Python
# environment in .venv, and the harness's images. Safe to run again: it only does what
# is missing (images are rebuilt only when their recipe changed).
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf 'setup: %s\n' "$*" >&2; }

python_env() {
  if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    say "swarmproof needs Python 3.11 or newer as python3 (found: $(python3 --version 2>&1))"; exit 1
  fi
  if [ ! -x .venv/bin/python ]; then
    if ! python3 -m venv .venv 2>/dev/null; then
      rm -rf .venv
      [ "$(id -u)" -eq 0 ] || { say "python3 cannot make a venv: install python3-venv"; exit 1; }
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
      python3 -m venv .venv
    fi
  fi
  .venv/bin/pip install -q --disable-pip-version-check -e '.[dev,timeline]' 2>&1 | grep -v '^WARNING: Location' || true
  .venv/bin/python -c 'import swarmproof.plugin' || { say "the Python environment is broken: see the pip output above"; exit 1; }
}

# What the VM engine needs (qemu, and e2fsprogs/openssl for its disk and TLS material).
vm_tools() {
  command -v qemu-system-x86_64 >/dev/null && command -v qemu-img >/dev/null && command -v openssl >/dev/null \
    && command -v mkfs.ext4 >/dev/null && return 0
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
    say "qemu is not installed: the VM engine (needed where the kernel lacks ip_vs) is unavailable"; return 0
  fi
  say "installing qemu-system-x86, qemu-utils, e2fsprogs, openssl from Debian"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    qemu-system-x86 qemu-utils e2fsprogs openssl >/dev/null
}

bash infra/engine.sh
vm_tools
python_env
if command -v qemu-system-x86_64 >/dev/null && [ "$(id -u)" -eq 0 ]; then
  .venv/bin/swarmproof images build --vm
else
  .venv/bin/swarmproof images build
fi
