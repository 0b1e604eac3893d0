"""The crash-loop verdict: a service whose every slot keeps failing the same way is named,
one that is recovering (a running slot, failures that differ, old failures) is not."""

from __future__ import annotations

from swarmproof.crashloop import CrashLoop, TaskLine, parse

EXIT_1 = "task: non-zero exit (1)"


def failures(slot: str, count: int, error: str = EXIT_1, first: int = 0) -> list[TaskLine]:
    return [TaskLine(f"{slot}-{first + n}", slot, "Failed 3 seconds ago", error) for n in range(count)]


def running(slot: str) -> TaskLine:
    return TaskLine(f"{slot}-up", slot, "Running 2 minutes ago", "")


def judged(*probes: list[TaskLine], loop: CrashLoop | None = None) -> str | None:
    loop = loop or CrashLoop()
    verdict = None
    for tasks in probes:
        verdict = loop.verdict(tasks)
    return verdict


def test_the_format_is_parsed_and_the_history_marker_dropped() -> None:
    output = ("q1\tgalera_db.1\tRunning 1 second ago\t\n"
              f"q0\t\\_ galera_db.1\tFailed 9 seconds ago\t{EXIT_1}\n"
              "a line docker printed that is no task\n")
    assert parse(output) == [TaskLine("q1", "galera_db.1", "Running 1 second ago", ""),
                             TaskLine("q0", "galera_db.1", "Failed 9 seconds ago", EXIT_1)]


def test_every_slot_failing_the_same_way_is_named_with_the_error() -> None:
    slots = ("db.1", "db.2", "db.3")
    verdict = judged([], [task for slot in slots for task in failures(slot, 3)])
    assert verdict is not None
    assert verdict.endswith(EXIT_1) and "9 failures across 3 slots" in verdict


def test_a_slot_that_keeps_running_keeps_the_wait_going() -> None:
    tasks = [*failures("db.1", 4), *failures("db.2", 4), running("db.3")]
    assert judged([], tasks) is None


def test_failures_that_differ_are_a_recovery_not_a_loop() -> None:
    tasks = [*failures("db.1", 3), *failures("db.2", 3, error="task: non-zero exit (134)")]
    assert judged([], tasks) is None


def test_too_few_failures_per_slot_keep_the_wait_going() -> None:
    assert judged([], [*failures("db.1", 3), *failures("db.2", 2)]) is None


def test_failures_from_before_the_wait_do_not_count() -> None:
    old = [*failures("db.1", 3), *failures("db.2", 3)]
    assert judged(old, old) is None
    assert judged(old, [*old, *failures("db.1", 3, first=10), *failures("db.2", 3, first=10)]) is not None


def test_the_first_probe_only_takes_the_baseline() -> None:
    assert judged(failures("db.1", 5)) is None


def test_rejections_count_as_failures() -> None:
    rejected = [TaskLine(f"r{n}", "db.1", "Rejected 1 second ago", "no suitable node") for n in range(3)]
    assert judged([], rejected) is not None
