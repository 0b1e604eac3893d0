"""Faults short of a power loss, each on a follower node that runs a Galera member: a
graceful stop (SIGTERM: the node's dockerd shuts its containers down), a pause (cgroup
freezer: the node hangs, alive but silent) and a network partition (the swarm ports and
the overlay's VXLAN, which carries Galera's traffic, cut both ways).

Each time swarm marks the node Down within its heartbeat bound, reschedules the node's
Galera member onto the others, where it joins the two members left, which keep a Primary
component throughout; a writer running through the fault loses no acknowledged insert and concurrent transfers
conserve their total;
healed, the node is a Ready manager again. Each step's seconds since the fault land in
the JUnit XML.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from swarmproof import chaos
from swarmproof.asserts import assert_held_throughout, assert_names_resolve_everywhere, assert_workload_intact
from swarmproof.cluster import Cluster
from swarmproof.deployment import Deployment
from swarmproof.timeline import TimelineRecorder
from swarmproof.watch import Watch

pytestmark = [pytest.mark.chaos, pytest.mark.rescheduling]

RESCHEDULE_TIMEOUT = 300.0
RESYNC_TIMEOUT = 900.0


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
