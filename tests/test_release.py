"""Deciding where a release stands from swarm's records, without a swarm."""

from __future__ import annotations

import pytest

from swarmproof.release import (
    Batch,
    Sample,
    ServiceState,
    TaskSeen,
    UpdateStatus,
    batches,
    monitor_gaps,
    overlapping,
    parse_tasks,
    phase,
    running_counts,
    seconds,
    settled,
    verdict,
)


def inspected(image: str, state: str | None = None, started: str = "", message: str = "") -> dict:
    """A service as `docker service inspect` shows it, reduced to what a release reads."""
    found: dict = {"Spec": {"Name": "galera_wordpress", "TaskTemplate": {"ContainerSpec": {"Image": image}},
                            "EndpointSpec": {"Mode": "vip"}}}
    if state:
        found["UpdateStatus"] = {"State": state, "StartedAt": started, "Message": message}
    return found


V1, V2 = inspected("wordpress:v1"), inspected("wordpress:v2")


def test_a_changed_service_is_pending_until_swarm_records_an_update_then_follows_it() -> None:
    before = ServiceState.parse(V1)
    assert phase(before, ServiceState.parse(V2)) == "pending"
    assert phase(before, ServiceState.parse(inspected("wordpress:v2", "updating", "t1"))) == "updating"
    assert phase(before, ServiceState.parse(inspected("wordpress:v2", "completed", "t1"))) == "completed"


def test_a_rolled_back_service_has_its_old_spec_again_and_is_told_apart_by_its_update_status() -> None:
    before = ServiceState.parse(inspected("wordpress:v1", "completed", "t0"))
    rolled = ServiceState.parse(inspected("wordpress:v1", "rollback_completed", "t1"))
    assert phase(before, rolled) == "rollback_completed"
    assert phase(before, ServiceState.parse(inspected("wordpress:v1", "completed", "t0"))) == "unchanged"


def test_an_old_update_status_is_not_taken_for_the_new_update() -> None:
    before = ServiceState.parse(inspected("wordpress:v1", "completed", "t0"))
    assert phase(before, ServiceState.parse(inspected("wordpress:v2", "completed", "t0"))) == "pending"


def test_a_service_the_deploy_created_is_starting_until_its_replicas_run() -> None:
    two = {**V1, "Spec": {**V1["Spec"], "Mode": {"Replicated": {"Replicas": 2}}}}
    assert phase(None, ServiceState.parse(two), running=1) == "starting"
    assert phase(None, ServiceState.parse(two), running=2) == "new"
    assert phase(None, ServiceState.parse({**V1, "Spec": {**V1["Spec"], "Mode": {"Global": {}}}})) == "new"
    assert not settled({"a": "starting"})


def test_a_release_has_settled_once_no_update_is_running_or_pending() -> None:
    assert settled({"a": "completed", "b": "new", "c": "unchanged", "d": "rollback_completed"})
    assert not settled({"a": "completed", "b": "rollback_started"})
    assert not settled({"a": "pending"})


def test_a_rollback_where_completion_was_expected_names_the_service_and_swarms_message() -> None:
    updates = {"galera_wordpress": UpdateStatus("rollback_completed", "update rolled back due to failure of task x")}
    assert verdict({"galera_wordpress": "rollback_completed", "galera_etcd": "unchanged"}, updates, "complete") == [
        "galera_wordpress: rolled back, expected update completed "
        "(swarm says: update rolled back due to failure of task x)"]
    assert verdict({"galera_wordpress": "rollback_completed"}, updates, "rollback") == []


def test_a_pause_is_never_expected_and_a_rollback_needs_a_changed_service() -> None:
    assert verdict({"s": "paused"}, {}, "rollback") == ["s: update paused, expected rolled back"]
    assert verdict({"s": "paused"}, {}, "complete") == ["s: update paused, expected update completed"]
    assert verdict({"s": "unchanged"}, {}, "rollback") == ["no service was changed, so none could roll back"]
    with pytest.raises(ValueError, match="expect='done'"):
        verdict({}, {}, "done")


@pytest.mark.parametrize(("text", "expected"), [("30s", 30), ("1m30s", 90), ("500ms", 0.5), ("1h", 3600), (15, 15)])
def test_durations_read_as_compose_and_go_write_them(text: str | int, expected: float) -> None:
    assert seconds(text) == expected


def test_a_duration_that_is_not_one_is_refused() -> None:
    with pytest.raises(ValueError, match="not a duration"):
        seconds("30 seconds")


def service(health: dict | None, update: dict | None) -> dict:
    return {k: v for k, v in (("healthcheck", health), ("deploy", {"update_config": update} if update else None))
            if v is not None}


def test_a_monitor_shorter_than_the_healthchecks_window_is_flagged_naming_both_numbers() -> None:
    config = {"services": {
        "wordpress": service({"interval": "3s", "retries": 5}, {"monitor": "5s", "failure_action": "rollback"}),
        "covered": service({"interval": "3s", "retries": 5}, {"monitor": "15s"}),
        "no-health": service(None, None),
        "continues": service({"interval": "3s", "retries": 5}, {"failure_action": "continue"})}}
    (gap,) = monitor_gaps(config)
    assert (gap.service, gap.monitor, gap.window) == ("wordpress", 5, 15)
    assert str(gap).startswith("wordpress: update_config.monitor is 5s, shorter than its healthcheck's 15s "
                               "(interval 3s x retries 5)")


def test_swarms_defaults_apply_where_the_stack_file_gives_none() -> None:
    (gap,) = monitor_gaps({"services": {"db": service({"test": ["CMD", "true"]}, None)}})
    assert (gap.monitor, gap.interval, gap.retries) == (5, 30, 3)
    assert monitor_gaps({"services": {"db": service({"disable": True}, None)}}) == []


def seen(task: str, state: str = "Running 1 second ago", image: str = "v1") -> TaskSeen:
    return TaskSeen(task, f"slot-{task}", image, state)


def rolling(start_first_steps: list[tuple[float, tuple[TaskSeen, ...]]]) -> list[Sample]:
    return [Sample(at, tasks) for at, tasks in start_first_steps]


def test_a_rolling_update_one_task_at_a_time_has_steps_that_never_overlap() -> None:
    samples = rolling([
        (0, (seen("a"), seen("b"))),
        (2, (seen("a"), seen("b"), seen("c", "Starting 1 second ago", "v2"))),
        (5, (seen("b"), seen("c", image="v2"))),
        (6, (seen("b"), seen("c", image="v2"), seen("d", "Starting 1 second ago", "v2"))),
        (9, (seen("c", image="v2"), seen("d", image="v2")))])
    steps = batches(samples)
    assert steps == [Batch("c", "v2", 2, 5), Batch("d", "v2", 6, 9)]
    assert overlapping(steps) == []
    assert running_counts(samples) == [(0, 2, 0), (5, 1, 1), (9, 0, 2)]


def test_two_tasks_replaced_at_once_overlap_and_a_task_that_never_ran_is_a_step_left_open() -> None:
    steps = [Batch("c", "v2", 2, 5), Batch("d", "v2", 3, 6)]
    assert overlapping(steps) == [(steps[0], steps[1])]
    never = [Batch("c", "v2", 2, None), Batch("d", "v2", 8, None)]
    assert overlapping(never) == [(never[0], never[1])]


def test_service_ps_lines_parse_with_the_history_marker_dropped() -> None:
    output = "id1\tgalera_wordpress.1\tswarmproof/wordpress:abc-v2\tRunning 2 seconds ago\tdocker2\n" \
             "id2\t \\_ galera_wordpress.1\tswarmproof/wordpress:abc\tShutdown 1 second ago\tdocker2\nnoise\n"
    assert parse_tasks(output) == (
        TaskSeen("id1", "galera_wordpress.1", "swarmproof/wordpress:abc-v2", "Running 2 seconds ago", "docker2"),
        TaskSeen("id2", "galera_wordpress.1", "swarmproof/wordpress:abc", "Shutdown 1 second ago", "docker2"))
