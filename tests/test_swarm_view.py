from __future__ import annotations

from dataclasses import replace

from swarmproof.swarm import Member, has_quorum, healthy, leaders, reachable_managers, render

LEADER = Member("docker1", "ready", "active", "manager", True, "reachable")
SECOND = Member("docker2", "ready", "active", "manager", False, "reachable")
THIRD = Member("docker3", "ready", "active", "manager", False, "reachable")


def test_three_ready_managers_with_one_leader_are_healthy() -> None:
    assert healthy([LEADER, SECOND, THIRD], 3)


def test_a_down_node_is_not_healthy_but_keeps_quorum() -> None:
    down = replace(THIRD, state="down", reachability="unreachable")
    view = [LEADER, SECOND, down]
    assert not healthy(view, 3)
    assert has_quorum(view)
    assert [m.hostname for m in reachable_managers(view)] == ["docker1", "docker2"]


def test_two_of_three_managers_lost_is_no_quorum() -> None:
    lost = [replace(m, state="down", reachability="unreachable") for m in (SECOND, THIRD)]
    assert not has_quorum([LEADER, *lost])


def test_no_leader_or_two_leaders_is_not_healthy() -> None:
    assert not healthy([replace(LEADER, leader=False), SECOND, THIRD], 3)
    assert not healthy([LEADER, replace(SECOND, leader=True), THIRD], 3)
    assert len(leaders([LEADER, replace(SECOND, leader=True)])) == 2


def test_wrong_size_or_worker_or_drained_is_not_healthy() -> None:
    assert not healthy([LEADER, SECOND], 3)
    assert not healthy([LEADER, SECOND, replace(THIRD, role="worker", reachability="")], 3)
    assert not healthy([LEADER, SECOND, replace(THIRD, availability="drain")], 3)


def test_render_reads_like_docker_node_ls() -> None:
    assert render([LEADER, SECOND]) == "docker1 ready/active Leader; docker2 ready/active Reachable"
