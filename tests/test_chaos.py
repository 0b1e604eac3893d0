"""Chaos logic without a swarm: choosing victims, partition rules, bounds, and a fault
that heals even when the scenario inside it fails."""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace
from typing import Any

import pytest

from swarmproof import chaos
from swarmproof.engine import Pace
from swarmproof.providers import Node, PowerUnavailable, Provider
from swarmproof.providers.dind import DindNode
from swarmproof.swarm import Member

LEADER = Member("docker1", "ready", "active", "manager", True, "reachable")
SECOND = Member("docker2", "ready", "active", "manager", False, "reachable")
THIRD = Member("docker3", "ready", "active", "manager", False, "reachable")
VIEW = [LEADER, SECOND, THIRD]
TASKS = {"docker1": {"mysql-galera"}, "docker2": {"mysql-galera", "etcd"}, "docker3": {"mysql-galera", "wordpress"}}


def test_choose_the_leader() -> None:
    assert chaos.choose(VIEW, TASKS, leader=True) == "docker1"


def test_choose_a_follower_running_galera_away_from_etcd() -> None:
    assert chaos.choose(VIEW, TASKS, leader=False, running="mysql-galera", avoiding=("etcd",)) == "docker3"


def test_choose_skips_unreachable_managers() -> None:
    view = [LEADER, SECOND, replace(THIRD, state="down", reachability="unreachable")]
    assert chaos.choose(view, TASKS, leader=False) == "docker2"


def test_choose_says_what_it_looked_for_when_nothing_fits() -> None:
    with pytest.raises(LookupError, match=r"no node is a reachable manager other than the leader running etcd "
                                          r"and none of \['etcd'\]; swarm: docker1 ready/active Leader"):
        chaos.choose(VIEW, TASKS, leader=False, running="etcd", avoiding=("etcd",))


def test_partition_cuts_both_directions_to_every_peer_and_mends_them() -> None:
    cut = chaos.partition_script(["10.0.0.3", "10.0.0.4"], cut=True)
    for peer in ("10.0.0.3", "10.0.0.4"):
        assert f"-I INPUT -s {peer} -j SWARMPROOF-PARTITION" in cut
        assert f"-I OUTPUT -d {peer} -j SWARMPROOF-PARTITION" in cut
    assert "-A SWARMPROOF-PARTITION -j DROP" in cut and "--ports" not in cut  # every packet, not some ports
    mend = chaos.partition_script(["10.0.0.3", "10.0.0.4"], cut=False)
    assert mend.count(" -D ") == 4 and mend.endswith("iptables -w -X SWARMPROOF-PARTITION")


def test_down_bound_follows_the_heartbeat() -> None:
    assert chaos.down_bound(1.0) < chaos.down_bound(5.0)
    assert chaos.down_bound(5.0) >= 3 * 5.0
    assert chaos.down_bound(5.0, leader_lost=True) >= 2 * chaos.ELECTION_TIMEOUT + 6 * 5.0


class FakeProvider(Provider):
    """A provider whose power actions only record what they were asked."""

    name = "fake"
    power = frozenset({"kill", "restart"})

    def __init__(self, fail_start: bool = False) -> None:
        self.calls: list[str] = []
        self.fail_start = fail_start

    def kill_node(self, node: Node) -> None:
        self.calls.append(f"kill {node.hostname}")

    def start_node(self, node: Node) -> None:
        self.calls.append(f"start {node.hostname}")
        if self.fail_start:
            raise RuntimeError("the node did not start")

    create = nodes_left = actions = provision = list_nodes = ensure_images = None  # type: ignore[assignment]
    collect_logs = remove = published = info = None  # type: ignore[assignment]


def fake_cluster(provider: FakeProvider) -> Any:
    nodes: list[Node] = [DindNode(h, f"10.0.0.{i}", h, []) for i, h in enumerate(("docker1", "docker2", "docker3"), 2)]
    cluster = SimpleNamespace(ctx=SimpleNamespace(faulted=set()), provider=provider, nodes=nodes, pace=Pace())
    cluster.manager = lambda: next(n for n in nodes if n.hostname not in cluster.ctx.faulted)
    cluster.members = lambda: VIEW
    return cluster


@pytest.fixture(autouse=True)
def swarm_heals_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(chaos.swarm, "wait_healthy", lambda docker, size, timeout: [])
    monkeypatch.setattr(chaos, "heartbeat", lambda docker: 5.0)
    monkeypatch.setattr(Node, "docker", property(lambda node: node.hostname))


def test_a_kill_marks_the_node_faulted_and_heals_on_exit() -> None:
    provider = FakeProvider()
    cluster = fake_cluster(provider)
    with chaos.Kill(cluster, cluster.nodes[0]):
        assert cluster.ctx.faulted == {"docker1"}
        assert cluster.manager().hostname == "docker2"
    assert provider.calls == ["kill docker1", "start docker1"]
    assert cluster.ctx.faulted == set()


def test_a_fault_waits_for_down_within_swarms_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    waited: list[tuple[str, str, float]] = []
    monkeypatch.setattr(chaos.swarm, "wait_state",
                        lambda view, host, state, timeout: waited.append((host, state, timeout)))
    cluster = fake_cluster(FakeProvider())
    with chaos.Kill(cluster, cluster.nodes[0]) as leader, chaos.Kill(cluster, cluster.nodes[1]) as follower:
        leader.wait_down()
        follower.wait_down()
    assert leader.leader == follower.leader == "docker1"
    assert waited == [("docker1", "down", chaos.down_bound(5.0, leader_lost=True)),
                      ("docker2", "down", chaos.down_bound(5.0))]


def test_a_fault_healed_inside_is_not_healed_twice() -> None:
    provider = FakeProvider()
    cluster = fake_cluster(provider)
    with chaos.Kill(cluster, cluster.nodes[1]) as kill:
        assert kill.heal() >= 0
    assert provider.calls == ["kill docker2", "start docker2"]


def test_a_failing_scenario_still_heals_and_keeps_its_own_error() -> None:
    provider = FakeProvider(fail_start=True)
    cluster = fake_cluster(provider)
    with pytest.raises(AssertionError, match="the scenario's own failure") as caught, \
            chaos.Kill(cluster, cluster.nodes[2]):
        raise AssertionError("the scenario's own failure")
    assert provider.calls == ["kill docker3", "start docker3"]
    assert "healing Kill(docker3) failed too: RuntimeError: the node did not start" in caught.value.__notes__[0]


def test_a_fault_on_two_nodes_strikes_both_and_heals_both() -> None:
    provider = FakeProvider()
    cluster = fake_cluster(provider)
    with chaos.Kill(cluster, cluster.nodes[1], cluster.nodes[2]) as kill:
        assert cluster.ctx.faulted == {"docker2", "docker3"} and cluster.manager().hostname == "docker1"
        assert repr(kill) == "Kill(docker2, docker3)"
    assert provider.calls == ["kill docker2", "kill docker3", "start docker2", "start docker3"]
    assert not cluster.ctx.faulted


def test_a_heal_that_fails_after_a_passing_scenario_is_the_error() -> None:
    cluster = fake_cluster(FakeProvider(fail_start=True))
    with pytest.raises(RuntimeError, match="the node did not start"), chaos.Kill(cluster, cluster.nodes[0]):
        pass


def test_a_fault_the_provider_has_no_power_for_is_skipped_naming_the_action() -> None:
    provider = FakeProvider()
    cluster = fake_cluster(provider)
    skipped = r"the fake provider offers no pause action \(it offers: kill, restart\)"
    with pytest.raises(pytest.skip.Exception, match=skipped), chaos.Pause(cluster, cluster.nodes[0]):
        pass
    assert provider.calls == [] and cluster.ctx.faulted == set()


def test_a_power_action_the_provider_lacks_is_an_error_naming_what_it_offers() -> None:
    with pytest.raises(PowerUnavailable, match=r"the fake provider offers no stop action \(it offers: kill, restart\)"):
        FakeProvider().power_action("stop")
