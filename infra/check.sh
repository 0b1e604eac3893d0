#!/usr/bin/env bash
# The whole suite, as CI runs it: set up, lint, unit tests, then the scenarios on the
# local engine (VIP and mesh checks skipped where its kernel lacks ip_vs) and on the VM
# engine (nothing may be skipped there), then check that nothing of any run is left.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .ci/reports

bash infra/setup.sh
.venv/bin/ruff check .
.venv/bin/pytest tests --junitxml=.ci/reports/unit.xml
.venv/bin/pytest scenarios --engine local --junitxml=.ci/reports/local.xml
.venv/bin/pytest scenarios --engine vm --junitxml=.ci/reports/vm.xml
.venv/bin/python infra/junit-check.py .ci/reports/vm.xml --no-skips
bash infra/assert-clean.sh
