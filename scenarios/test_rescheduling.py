"""A node that runs a Galera task dies: swarm relocates its tasks to the nodes left, the
database keeps quorum and every acknowledged write, and the node rejoins when restarted.

The walkthrough's promise, proven with a hard kill (the node container gets SIGKILL, as a
host losing power). Each step's seconds since the kill land in the JUnit XML.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from functools import partial

import pytest

from swarmproof import chaos, probes
from swarmproof.asserts import assert_held_throughout, assert_names_resolve_everywhere, assert_workload_intact
from swarmproof.cluster import Cluster
from swarmproof.deployment import SERVICES, Deployment
from swarmproof.providers import Node
from swarmproof.timeline import TimelineRecorder
from swarmproof.watch import Watch

pytestmark = [pytest.mark.chaos, pytest.mark.rescheduling]

# After the node is Down: a replacement task is created at once, starts after the
# service's restart delay (5 s) and runs once its container starts (minutes under TCG).
RESCHEDULE_TIMEOUT = 300.0
# The replacement Galera member finds its peers in etcd and receives the write sets it
# lacks by IST (every member starts from the history baked into the image), or else an SST.
RESYNC_TIMEOUT = 900.0


def galera_victim(deployment: Deployment, cluster: Cluster) -> Node:
    """A follower running a Galera member and not etcd (etcd's loss is a scenario of its own)."""
    return cluster.node(chaos.choose(cluster.members(), deployment.services_by_node(), leader=False,
                                     running="mysql-galera", avoiding=("etcd",)))


def test_killed_galera_node_is_relocated_and_rejoins(steady_stack: Deployment, swarm_cluster: Cluster,
                                                     record_timing: Callable[[str, float], None],
                                                     record_property: Callable[[str, object], None],
                                                     fault_timeline: TimelineRecorder) -> None:
    deployment, cluster = steady_stack, swarm_cluster
    victim = galera_victim(deployment, cluster)
    members = [t for t in deployment.tasks("mysql-galera") if t.node is not victim]
    services = SERVICES if cluster.capabilities.ip_vs else ("etcd", "mysql-galera")

    primary = Watch("wsrep_cluster_status of the members on the surviving nodes",
                    lambda: {t.container: deployment.galera_status(t)["wsrep_cluster_status"] for t in members},
                    interval=2.0)
    with primary, deployment.workload("rescheduling", away_from=[victim]) as workload, \
            fault_timeline.recording(workload), chaos.Kill(cluster, victim) as kill:
        record_timing("kill_to_node_down_s", kill.wait_down())
        deployment.wait_replicas(services, lambda: RESCHEDULE_TIMEOUT, away_from=victim.hostname)
        record_timing("kill_to_replicas_running_s", kill.since_injected())
        deployment.wait_galera(3, RESYNC_TIMEOUT)
        record_timing("kill_to_galera_synced_s", kill.since_injected())
        primary.stop()
        record_timing("restart_to_node_ready_s", kill.heal())

    assert_held_throughout(primary, lambda statuses: set(statuses.values()) == {"Primary"})
    assert_workload_intact(deployment, workload, record_property)
    assert_names_resolve_everywhere(deployment)


@pytest.mark.requires("ip_vs")
def test_wordpress_keeps_answering_through_the_mesh_while_a_galera_node_dies(
        steady_stack: Deployment, swarm_cluster: Cluster, record_timing: Callable[[str, float], None]) -> None:
    deployment, cluster = steady_stack, swarm_cluster
    victim = galera_victim(deployment, cluster)
    survivors = [n for n in cluster.nodes if n is not victim]
    wordpress = Watch("WordPress answering through the surviving nodes' port 80",
                      lambda: probes.first_answer([n.endpoint(80) for n in survivors], partial(
                          probes.served_by, timeout=probes.HTTP_TIMEOUT * cluster.pace.slowdown)))
    with wordpress, chaos.Kill(cluster, victim) as kill:
        kill.wait_down()
        deployment.wait_replicas(SERVICES, lambda: RESCHEDULE_TIMEOUT, away_from=victim.hostname)
        deployment.wait_galera(3, RESYNC_TIMEOUT)
        record_timing("kill_to_galera_synced_s", kill.since_injected())
        wordpress.stop()
    assert_held_throughout(wordpress, bool)


def test_killed_etcd_node_etcd_is_rescheduled_and_a_new_member_still_finds_its_peers(
        steady_stack: Deployment, swarm_cluster: Cluster, record_timing: Callable[[str, float], None],
        record_property: Callable[[str, object], None], fault_timeline: TimelineRecorder) -> None:
    deployment, cluster = steady_stack, swarm_cluster
    victim = cluster.node(deployment.node_running("etcd"))
    before = {t.container for t in deployment.tasks("mysql-galera")}
    (survivor, *_) = [t for t in deployment.tasks("mysql-galera") if t.node is not victim]
    # The cluster that was running, told by a row of its own: every member shares the history
    # baked into the image (its state UUID), so a second cluster bootstrapped from scratch
    # would show the same UUID, but not this row.
    token = secrets.token_hex(8)
    deployment.sql(survivor, "CREATE DATABASE IF NOT EXISTS swarmproof; "
                             "CREATE TABLE IF NOT EXISTS swarmproof.probe (token CHAR(16) PRIMARY KEY); "
                             f"INSERT INTO swarmproof.probe VALUES ('{token}')")

    with deployment.workload("etcd_loss", away_from=[victim]) as workload, fault_timeline.recording(workload), \
            chaos.Kill(cluster, victim) as kill:
        record_timing("kill_to_node_down_s", kill.wait_down())
        deployment.wait_replicas(("etcd", "mysql-galera"), lambda: RESCHEDULE_TIMEOUT, away_from=victim.hostname)
        deployment.wait_etcd(RESCHEDULE_TIMEOUT)
        record_timing("kill_to_etcd_healthy_s", kill.since_injected())
        statuses = deployment.wait_galera(3, RESYNC_TIMEOUT)
        record_timing("kill_to_galera_synced_s", kill.since_injected())
        (newcomer,) = [t for t in deployment.tasks("mysql-galera") if t.container not in before]
        log = newcomer.node.docker.container.logs(newcomer.container)
        record_timing("restart_to_node_ready_s", kill.heal())

    held = {t.container: deployment.sql(t, f"SELECT COUNT(*) FROM swarmproof.probe WHERE token = '{token}'")
            for t in deployment.tasks("mysql-galera") if t.container in statuses}
    assert set(held) == set(statuses), f"members that were Synced but could not be asked: {set(statuses) - set(held)}"
    assert set(held.values()) == {"1"}, f"not the cluster that was running (rows with {token} per member): {held}"
    assert "joining registered members" in log, f"{newcomer.container} did not join through etcd:\n{log[-2000:]}"
    assert_workload_intact(deployment, workload, record_property)
    assert_names_resolve_everywhere(deployment)
