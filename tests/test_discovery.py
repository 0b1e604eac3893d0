"""What a node's resolver answered against swarm's records, without a swarm."""

from __future__ import annotations

from swarmproof.discovery import Resolution, mismatches


def test_nodes_that_answer_as_the_records_say_agree() -> None:
    wanted = {"etcd": {"10.0.1.2"}, "tasks.etcd": {"10.0.1.3"}}
    assert mismatches(wanted, {"docker1": dict(wanted), "docker2": dict(wanted)}) == []


def test_a_node_that_cannot_resolve_a_name_is_named_with_what_was_expected() -> None:
    wanted = {"mysql-galera": {"10.0.1.9"}, "tasks.mysql-galera": {"10.0.1.10", "10.0.1.11"}}
    seen = {"docker1": dict(wanted), "docker3": {"mysql-galera": {"10.0.1.9"}, "tasks.mysql-galera": set()}}
    assert mismatches(wanted, seen) == [
        "docker3: tasks.mysql-galera -> [], expected ['10.0.1.10', '10.0.1.11']"]


def test_a_stale_task_address_is_a_mismatch() -> None:
    wanted = {"tasks.etcd": {"10.0.1.3"}}
    assert mismatches(wanted, {"docker2": {"tasks.etcd": {"10.0.1.3", "10.0.1.4"}}}) == [
        "docker2: tasks.etcd -> ['10.0.1.3', '10.0.1.4'], expected ['10.0.1.3']"]


def test_a_timeout_shows_only_where_nodes_disagree() -> None:
    seen = {"docker1": {"etcd": {"10.0.1.2"}}}
    assert repr(Resolution(seen, ["docker1: etcd -> [], expected ['10.0.1.2']"])) == (
        "docker1: etcd -> [], expected ['10.0.1.2']")
    assert repr(Resolution(seen, [])) == "every node answers as expected"
