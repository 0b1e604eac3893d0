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
# whose kernel has ip_vs or a faster VM: `pytest scenarios --engine vm -m engine`. The VM does
# run a release through the mesh: a WordPress-only stack rolled from v1 to v2 while clients ask
# every node's published port (none may fail).
# The harness's own scenarios run pytest sessions of their own on the local engine (the ssh
# provider's among them: against hosts reachable only over SSH, which it starts itself; and a
# second whole run beside this one). Every chaos scenario (kill, stop, pause, partition, the
# leader's loss, quorum loss) runs on the local engine with its workload: the writer and the
# transfers run inside the overlay there (no ip_vs for the 3306 mesh), and "no acknowledged
# write lost" and "the total conserved" are asserted, not skipped.
# The release scenarios (rolling upgrades of WordPress and Galera, a bad release rolled back
# and reported, a short update monitor refused, a drain) run on the local engine too; only
# their clients through the mesh need ip_vs.
# The local run uses two pytest-xdist workers sharing one cluster (the destructive and release
# modules hold it alone).
# The ssh provider's stop/pause/partition session (6 min) is left out for CI's time; it runs in
# bench/soak.py's runs and by hand:
# pytest scenarios/test_ssh_provider.py::test_stop_pause_and_partition_of_ssh_hosts_heal
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .ci/reports

bash infra/setup.sh
.venv/bin/ruff check .
.venv/bin/pytest tests --junitxml=.ci/reports/unit.xml
.venv/bin/pytest scenarios -n 2 --engine local --junitxml=.ci/reports/local.xml \
  --diagnostics-dir=.ci/reports/diagnostics --timeline-dir=.ci/reports/timelines \
  --deselect scenarios/test_ssh_provider.py::test_stop_pause_and_partition_of_ssh_hosts_heal
# Each chaos scenario passed, its workload's books checked (none may be skipped here).
.venv/bin/python infra/junit-check.py .ci/reports/local.xml --passed test_faults --passed test_quorum_loss \
  --passed test_rescheduling::test_killed --passed test_side_by_side \
  --passed test_release::test_wordpress_rolls --passed test_release::test_galera_rolls \
  --passed test_release::test_a_release_that_never --passed test_release::test_a_stack_whose \
  --passed test_release::test_a_drained --passed test_release::test_after_every_node \
  --passed test_galera_discovery::test_a_cluster_that_lost_power --passed test_galera_discovery::test_a_member_whose_datadir_died \
  --passed test_galera_discovery::test_a_cluster_stopped_cleanly
.venv/bin/pytest scenarios --engine vm -m "engine and not walkthrough" --junitxml=.ci/reports/vm.xml
.venv/bin/python infra/junit-check.py .ci/reports/vm.xml --no-skips --at-least 3 --passed test_release
# Vagrant hosts (three VMs of the swarmproof box, each with its own kernel: real ip_vs, VXLAN
# between VMs): the swarm and the stack-independent mesh scenarios, nothing skipped.
bash infra/vagrant/setup.sh
.venv/bin/swarmproof images build --vagrant
.venv/bin/pytest scenarios/test_swarm.py scenarios/test_routing_mesh.py::test_mesh_round_robin_probe \
  scenarios/test_routing_mesh.py::test_host_mode_answers_only_where_a_task_runs --provider vagrant \
  --junitxml=.ci/reports/vagrant.xml
.venv/bin/python infra/junit-check.py .ci/reports/vagrant.xml --no-skips --at-least 16
bash infra/assert-clean.sh
