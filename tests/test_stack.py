"""Pure logic around stack deployment: desired replicas, hopeless tasks, what a timeout shows."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from swarmproof import stack
from swarmproof.deployment import replicas
from swarmproof.errors import WaitAborted


def task(state: str, err: str = "") -> SimpleNamespace:
    return SimpleNamespace(name="galera_wordpress.1", status=SimpleNamespace(state=state, err=err, message=""))


class FakeServices:
    def __init__(self, tasks: list[SimpleNamespace], logs: str = "") -> None:
        self.tasks = tasks
        self._logs = logs

    def ps(self, service: str) -> list[SimpleNamespace]:
        return self.tasks

    def logs(self, service: str, **_: Any) -> str:
        return self._logs


def docker(tasks: list[SimpleNamespace], logs: str = "") -> Any:
    return SimpleNamespace(service=FakeServices(tasks, logs))


def test_replicas_come_from_the_service_mode() -> None:
    assert replicas({"Replicated": {"Replicas": 3}}) == 3
    assert replicas({"Replicated": {}}) == 1


def test_a_task_rejected_for_a_missing_image_aborts_the_wait_naming_the_service() -> None:
    rejected = task("rejected", "No such image: swarmproof/galera:nope")
    with pytest.raises(WaitAborted, match=r"^swarm cannot start galera_wordpress: No such image"):
        stack.refuse_hopeless(docker([rejected]), "galera_wordpress")


def test_failing_tasks_that_a_restart_may_cure_keep_the_wait_going() -> None:
    stack.refuse_hopeless(docker([task("failed", "task: non-zero exit (1)"), task("running")]), "galera_wordpress")


def test_a_diagnosis_shows_task_errors_and_log_lines() -> None:
    text = stack.diagnose(docker([task("failed", "task: non-zero exit (1)")], "mariadbd: aborting"), "galera_db")
    assert "galera_wordpress.1: failed task: non-zero exit (1)" in text
    assert "last 20 log lines of galera_db:\nmariadbd: aborting" in text
