"""Deployment's own logic over stand-in nodes and members: the tasks found and the nodes that
did not answer; the operator's recovery of a lost quorum, whose bootstrap is given until it
takes (Galera ignores ``pc.bootstrap`` while a member's view changes, and the statement
succeeds anyway)."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any, TypeVar

import pytest

from swarmproof.deployment import Deployment, Task
from swarmproof.errors import NoAnswer, WaitTimeout
from swarmproof.galera import BOOTSTRAP_STATEMENT
from swarmproof.waits import Wait

T = TypeVar("T")


class Member:
    """A non-Primary member whose first ``ignored`` bootstraps arrive during a view change."""

    def __init__(self, committed: int, ignored: int) -> None:
        self.committed, self.ignored, self.bootstraps, self.primary = committed, ignored, 0, False

    def status(self) -> dict[str, str]:
        return {"wsrep_cluster_status": "Primary" if self.primary else "non-Primary",
                "wsrep_last_committed": str(self.committed)}

    def bootstrap(self) -> None:
        self.bootstraps += 1
        self.primary = self.bootstraps > self.ignored


class FakeDeployment(Deployment):
    """Galera members in memory; waits on a clock that advances by itself."""

    def __init__(self, members: dict[str, Member]) -> None:
        super().__init__(SimpleNamespace(pace=SimpleNamespace(slowdown=1.0, probe_rest=0.0)), {})  # type: ignore[arg-type]
        self.members = members
        self.now = 0.0

    def tasks(self, name: str) -> list[Task]:
        return [Task(name, None, container) for container in self.members]  # type: ignore[arg-type]

    def galera_status(self, task: Task) -> dict[str, str]:
        return self.members[task.container].status()

    def sql(self, task: Task, statement: str) -> str:
        assert statement == BOOTSTRAP_STATEMENT
        self.members[task.container].bootstrap()
        return ""

    def wait(self, what: str, probe: Callable[[], T], done: Callable[[T], bool], timeout: float,
             **details: Any) -> T:
        def sleep(seconds: float) -> None:
            self.now += seconds
        return Wait(what=what, probe=probe, done=done, timeout=timeout, interval=2.0, clock=lambda: self.now,
                    sleep=sleep, **details).until()

    def _galera_logs(self) -> str:
        return "WSREP: ignoring 'pc.bootstrap' in state INSTALL"


def test_a_bootstrap_ignored_during_a_view_change_is_given_again() -> None:
    deployment = FakeDeployment({"alone": Member(committed=57, ignored=2), "joiner": Member(committed=-1, ignored=0)})
    assert deployment.recover_quorum().container == "alone"
    assert deployment.members["alone"].bootstraps == 3
    assert deployment.members["joiner"].bootstraps == 0


def test_a_member_primary_after_one_bootstrap_gets_only_one() -> None:
    deployment = FakeDeployment({"alone": Member(committed=57, ignored=0)})
    deployment.recover_quorum()
    assert deployment.members["alone"].bootstraps == 1


def test_a_bootstrap_that_never_takes_times_out_naming_the_member_and_its_log() -> None:
    deployment = FakeDeployment({"alone": Member(committed=57, ignored=10**6)})
    with pytest.raises(WaitTimeout) as raised:
        deployment.recover_quorum(timeout=30.0)
    message = str(raised.value)
    assert "alone to report Primary" in message and "non-Primary" in message
    assert "ignoring 'pc.bootstrap'" in message


class Listing:
    """A node's docker that lists one running container of the service, or refuses."""

    def __init__(self, hostname: str, refusal: str = "") -> None:
        self.hostname, self.refusal = hostname, refusal
        self.docker = SimpleNamespace(container=self)

    def list(self, filters: object) -> list[SimpleNamespace]:
        if self.refusal:
            raise RuntimeError(f"docker ps failed\n{self.refusal}")
        return [SimpleNamespace(name=f"galera_mysql-galera.1.{self.hostname}", state=SimpleNamespace(running=True))]


def deployment_on(*nodes: Listing) -> Deployment:
    pace = SimpleNamespace(slowdown=1.0, probe_rest=0.0, commands_at_once=8)
    return Deployment(SimpleNamespace(pace=pace, live_nodes=lambda: list(nodes)), {})  # type: ignore[arg-type]


def test_tasks_name_the_nodes_that_did_not_answer() -> None:
    deployment = deployment_on(Listing("docker1"), Listing("docker2", refusal="Cannot connect to the Docker daemon"))
    assert [t.node.hostname for t in deployment.tasks("mysql-galera")] == ["docker1"]
    assert deployment.unanswered == {"docker2": "Cannot connect to the Docker daemon"}
    deployment.cluster.live_nodes = lambda: [Listing("docker1")]  # type: ignore[method-assign]
    deployment.tasks("mysql-galera")
    assert deployment.unanswered == {}


def test_a_galera_wait_missing_members_on_silent_nodes_says_which() -> None:
    deployment = deployment_on(Listing("docker1"), Listing("docker2", refusal="Cannot connect to the Docker daemon"))
    deployment.galera_status = lambda task: {"wsrep_cluster_status": "Primary"}  # type: ignore[method-assign]
    deployment._galera_logs = lambda: ""  # type: ignore[method-assign]
    deployment.wait = lambda what, probe, done, timeout, **details: probe()  # type: ignore[method-assign]
    with pytest.raises(NoAnswer, match=r"1 of 3 members found; .*docker2: Cannot connect to the Docker daemon"):
        deployment.wait_galera(3)
