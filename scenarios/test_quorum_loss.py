"""Quorum lost and regained: the leader dies and another is elected; two of three managers
die and the one left has no leader, while its Galera member, alone, refuses writes until
the nodes are back and an operator bootstraps the most advanced member."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from python_on_whales.exceptions import DockerException

from swarmproof import chaos, swarm
from swarmproof.asserts import assert_names_resolve_everywhere, assert_workload_intact
from swarmproof.cluster import Cluster
from swarmproof.deployment import SERVICES, Deployment, Task
from swarmproof.timeline import TimelineRecorder
from swarmproof.waits import Wait

pytestmark = [pytest.mark.chaos, pytest.mark.quorum]

RESCHEDULE_TIMEOUT = 300.0
RESYNC_TIMEOUT = 900.0
# A manager cut off from the majority forwards requests to a leader that no longer answers
# ("context deadline exceeded") until raft's election timeout has passed a few times and
# it knows there is none.
NO_LEADER_TIMEOUT = 60.0


def test_killed_leader_is_replaced_by_another_manager(steady_stack: Deployment, swarm_cluster: Cluster,
                                                      record_timing: Callable[[str, float], None],
                                                      record_property: Callable[[str, object], None],
                                                      fault_timeline: TimelineRecorder) -> None:
    deployment, cluster = steady_stack, swarm_cluster
    victim = cluster.node(chaos.choose(cluster.members(), deployment.services_by_node(), leader=True))
    services = SERVICES if cluster.capabilities.ip_vs else ("etcd", "mysql-galera")
    with deployment.workload("leader_loss", away_from=[victim]) as workload, fault_timeline.recording(workload), \
            chaos.Kill(cluster, victim) as kill:
        view = Wait(what=f"a leader other than {victim.hostname}", probe=cluster.members,
                    done=lambda view: [m.hostname for m in swarm.leaders(view)] not in ([], [victim.hostname]),
                    timeout=(chaos.ELECTED_WITHIN + chaos.SLACK) * cluster.pace.slowdown).until()
        record_timing("kill_to_new_leader_s", kill.since_injected())
        assert swarm.has_quorum(view), f"two managers of three left, yet no quorum: {swarm.render(view)}"
        record_timing("kill_to_node_down_s", kill.wait_down())
        deployment.wait_replicas(services, lambda: RESCHEDULE_TIMEOUT, away_from=victim.hostname)
        record_timing("kill_to_replicas_running_s", kill.since_injected())
        deployment.wait_galera(3, RESYNC_TIMEOUT)
        record_timing("kill_to_galera_synced_s", kill.since_injected())
        record_timing("restart_to_node_ready_s", kill.heal())
    assert_workload_intact(deployment, workload, record_property)
    assert_names_resolve_everywhere(deployment)


def lone_member(deployment: Deployment) -> Task:
    """The Galera member to leave alone (members are one per node: ``steady_stack``), on
    etcd's node so that discovery survives the two kills."""
    etcd = deployment.node_running("etcd")
    (alone,) = [t for t in deployment.tasks("mysql-galera") if t.node.hostname == etcd]
    return alone


def leaderless(docker: object) -> str:
    """What a manager says when asked to list the nodes ('' if it answers normally)."""
    try:
        docker.node.list()  # type: ignore[attr-defined]
    except Exception as exc:
        return str(getattr(exc, "stderr", "") or exc)
    return ""


def test_two_managers_lost_then_an_operator_recovers_galera(steady_stack: Deployment, swarm_cluster: Cluster,
                                                            record_timing: Callable[[str, float], None],
                                                            record_property: Callable[[str, object], None],
                                                            fault_timeline: TimelineRecorder) -> None:
    deployment, cluster = steady_stack, swarm_cluster
    alone = lone_member(deployment)
    keep = alone.node
    victims = [n for n in cluster.nodes if n is not keep]
    with deployment.workload("quorum_loss", away_from=victims) as workload, fault_timeline.recording(workload):
        with chaos.Kill(cluster, *victims) as kill:
            said = Wait(what=f"{keep.hostname} to report that the swarm has no leader",
                        probe=lambda: leaderless(keep.docker), done=lambda said: "does not have a leader" in said,
                        timeout=NO_LEADER_TIMEOUT * cluster.pace.slowdown).until()
            record_timing("kill_to_no_leader_s", kill.since_injected())
            status = Wait(what=f"{alone.container}, alone, to leave the Primary component",
                          probe=lambda: deployment.galera_status(alone),
                          done=lambda status: status.get("wsrep_cluster_status") == "non-Primary",
                          timeout=60.0 * cluster.pace.slowdown).until()
            record_timing("kill_to_galera_non_primary_s", kill.since_injected())
            with pytest.raises(DockerException, match="WSREP has not yet prepared node for application use"):
                deployment.sql(alone, "CREATE DATABASE IF NOT EXISTS swarmproof; "
                                      "CREATE TABLE IF NOT EXISTS swarmproof.refused (id INT PRIMARY KEY); "
                                      "INSERT INTO swarmproof.refused VALUES (1)")
            assert alone.container in {t.container for t in deployment.tasks("mysql-galera")}, (
                f"{alone.container} stopped running on {keep.hostname} while the swarm had no leader")
            record_timing("restart_to_nodes_ready_s", kill.heal())
        bootstrapped = deployment.recover_quorum()
        deployment.wait_galera(3, RESYNC_TIMEOUT)
        record_timing("kill_to_galera_synced_s", kill.since_injected())
    assert "does not have a leader" in said
    assert status["wsrep_cluster_size"] == "1", f"{alone.container} was not alone: {status}"
    assert bootstrapped.container == alone.container, (
        f"recovery bootstrapped {bootstrapped.container}, not {alone.container}, the only member holding state")
    assert_workload_intact(deployment, workload, record_property)
    assert_names_resolve_everywhere(deployment)
