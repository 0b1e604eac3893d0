"""Faults short of a power loss, each on a follower node that runs a Galera member: a
graceful stop (SIGTERM: the node's dockerd shuts its containers down), a pause (cgroup
freezer: the node hangs, alive but silent) and a network partition (every packet between
the node and its peers dropped, both ways).

Each time swarm marks the node Down within its heartbeat bound, reschedules the node's
Galera member onto the others, where it joins the two members left, which keep a Primary
component throughout; a writer running through the fault loses no acknowledged insert and
concurrent transfers conserve their total; healed, the node is a Ready manager again and
every node resolves the stack's names. Each step's seconds since the fault land in the
JUnit XML.

And what a healed partition can leave behind (upstream galera#174): a member stranded
non-Primary for good while its peers are Primary. The Galera image leaves the group then,
as an operator would restart it, and swarm's replacement joins again.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from swarmproof import chaos
from swarmproof.asserts import assert_held_throughout, assert_names_resolve_everywhere, assert_workload_intact
from swarmproof.cluster import Cluster
from swarmproof.deployment import Deployment
from swarmproof.timeline import TimelineRecorder
from swarmproof.waits import Wait
from swarmproof.watch import Watch

pytestmark = [pytest.mark.chaos, pytest.mark.rescheduling]

RESCHEDULE_TIMEOUT = 300.0
RESYNC_TIMEOUT = 900.0
# The image's STRANDED_AFTER (60 s non-Primary beside a Primary peer), a look or two, the
# clean shutdown and swarm's restart delay.
STRANDED_LEAVES_WITHIN = 150.0
# What galera#174 leaves behind, made on purpose: the member's own group layer cuts it off
# from its peers, who stay Primary; it stays so until it is restarted.
ISOLATE = "SET GLOBAL wsrep_provider_options = 'gmcast.isolate=1'"


@pytest.mark.parametrize("fault", [chaos.Stop, chaos.Pause, chaos.Partition], ids=["stop", "pause", "partition"])
def test_faulted_node_is_marked_down_its_member_relocated_and_it_rejoins(
        fault: type[chaos.Fault], steady_stack: Deployment, swarm_cluster: Cluster,
        record_timing: Callable[[str, float], None], record_property: Callable[[str, object], None],
        fault_timeline: TimelineRecorder) -> None:
    deployment, cluster = steady_stack, swarm_cluster
    victim = cluster.node(chaos.choose(cluster.members(), deployment.services_by_node(), leader=False,
                                       running="mysql-galera", avoiding=("etcd",)))
    members = [t for t in deployment.tasks("mysql-galera") if t.node is not victim]

    primary = Watch("wsrep_cluster_status of the members on the other nodes",
                    lambda: {t.container: deployment.galera_status(t)["wsrep_cluster_status"] for t in members},
                    interval=2.0)
    table = f"fault_{fault.__name__.lower()}"
    with primary, deployment.workload(table, away_from=[victim]) as workload, fault_timeline.recording(workload), \
            fault(cluster, victim) as faulted:
        record_timing("fault_to_node_down_s", faulted.wait_down())
        deployment.wait_replicas(("etcd", "mysql-galera"), lambda: RESCHEDULE_TIMEOUT, away_from=victim.hostname)
        record_timing("fault_to_replicas_running_s", faulted.since_injected())
        deployment.wait_galera(3, RESYNC_TIMEOUT)
        record_timing("fault_to_galera_synced_s", faulted.since_injected())
        primary.stop()
        record_timing("heal_to_node_ready_s", faulted.heal())

    assert_held_throughout(primary, lambda statuses: set(statuses.values()) == {"Primary"})
    assert_workload_intact(deployment, workload, record_property)
    assert_names_resolve_everywhere(deployment)


def test_a_member_stranded_non_primary_beside_a_primary_component_leaves_and_is_replaced(
        steady_stack: Deployment, swarm_cluster: Cluster, record_timing: Callable[[str, float], None],
        record_property: Callable[[str, object], None], fault_timeline: TimelineRecorder) -> None:
    deployment, cluster = steady_stack, swarm_cluster
    victim = cluster.node(chaos.choose(cluster.members(), deployment.services_by_node(), leader=False,
                                       running="mysql-galera", avoiding=("etcd",)))
    (stranded,) = [t for t in deployment.tasks("mysql-galera") if t.node is victim]
    slow = cluster.pace.slowdown

    with deployment.workload("stranded", away_from=[victim]) as workload, fault_timeline.recording(workload):
        deployment.sql(stranded, ISOLATE)
        started = time.monotonic()
        Wait(what=f"{stranded.container}, isolated, to report non-Primary", timeout=60.0 * slow,
             probe=lambda: deployment.galera_status(stranded).get("wsrep_cluster_status"),
             done=lambda status: status == "non-Primary").until()
        record_timing("isolate_to_non_primary_s", time.monotonic() - started)
        deployment.wait(f"{stranded.container} (stranded non-Primary beside a Primary component) to leave",
                        lambda: {t.container for t in deployment.tasks("mysql-galera")},
                        lambda now: stranded.container not in now, STRANDED_LEAVES_WITHIN * slow,
                        logs=lambda: str(victim.docker.container.logs(stranded.container, tail=30)))
        record_timing("isolate_to_member_left_s", time.monotonic() - started)
        deployment.wait_galera(3, RESYNC_TIMEOUT)
        record_timing("isolate_to_galera_synced_s", time.monotonic() - started)

    said = str(victim.docker.container.logs(stranded.container))
    assert "stranded: non-Primary" in said, f"{stranded.container} left, but not by its own guard:\n{said[-2000:]}"
    assert_workload_intact(deployment, workload, record_property)
