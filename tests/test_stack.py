"""Pure logic around stack deployment: desired replicas, hopeless tasks, what a timeout shows."""

from __future__ import annotations

import threading
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from python_on_whales.exceptions import DockerException

from swarmproof import stack
from swarmproof.deployment import Task, at_once, crowded, placement, replicas
from swarmproof.errors import WaitAborted


def task(state: str, err: str = "") -> SimpleNamespace:
    return SimpleNamespace(name="galera_db.1", status=SimpleNamespace(state=state, err=err, message=""))


class FakeServices:
    def __init__(self, tasks: list[SimpleNamespace], vanishing: int = 0) -> None:
        self.tasks = tasks
        self.vanishing = vanishing  # calls that fail as a pruned task does

    def ps(self, service: str) -> list[SimpleNamespace]:
        if self.vanishing:
            self.vanishing -= 1
            raise DockerException(["docker", "service", "ps", service], 1, stderr=b"Error: No such object: q7je")
        return self.tasks


# What the client's command line prints for `service ps --format ...` and `service logs`.
CLI = 'case "$2" in ps) echo "{ps}";; logs) echo "{logs}";; esac'
FAILED = "q1\tgalera_db.1\tFailed 3 seconds ago\ttask: non-zero exit (1)"


def docker(tasks: list[SimpleNamespace], logs: str = "", vanishing: int = 0, ps: str = FAILED) -> Any:
    script = CLI.format(ps=ps, logs=logs)
    return SimpleNamespace(service=FakeServices(tasks, vanishing),
                           client_config=SimpleNamespace(docker_cmd=["sh", "-c", script, "docker"]))


def test_replicas_come_from_the_service_mode() -> None:
    assert replicas({"Replicated": {"Replicas": 3}}, nodes=3) == 3
    assert replicas({"Replicated": {}}, nodes=3) == 1
    assert replicas({"Global": {}}, nodes=3) == 3


def test_a_task_rejected_for_a_missing_image_aborts_the_wait_naming_the_service() -> None:
    rejected = "q1\tgalera_db.1\tRejected 5 seconds ago\tNo such image: swarmproof/galera:nope"
    with pytest.raises(WaitAborted, match=r"^swarm cannot start galera_db: galera_db.1: Rejected .*No such image"):
        stack.refuse_hopeless(docker([], ps=rejected), "galera_db")


def test_failing_tasks_that_a_restart_may_cure_keep_the_wait_going() -> None:
    stack.refuse_hopeless(docker([]), "galera_db")


def test_a_diagnosis_shows_task_errors_and_log_lines() -> None:
    text = stack.diagnose(docker([], "mariadbd: aborting"), "galera_db")
    assert "tasks of galera_db:\ngalera_db.1: Failed 3 seconds ago task: non-zero exit (1)" in text
    assert "last 20 log lines of each task of galera_db:\nmariadbd: aborting" in text


def test_a_task_pruned_between_listing_and_inspecting_is_retried() -> None:
    assert stack.tasks(docker([task("failed", "task: non-zero exit (1)")], vanishing=2), "galera_db")
    with pytest.raises(DockerException):
        stack.tasks(docker([], vanishing=3), "galera_db")


def test_only_the_compose_file_and_the_files_it_names_are_copied(tmp_path: Path) -> None:
    compose = tmp_path / "stack.yml"
    compose.write_text("configs:\n  a:\n    file: ./probe.pl\n  b:\n    file: '/etc/passwd'\n"
                       "secrets:\n  c:\n    file: ../outside.txt\n  d:\n    file: probe.pl  # again\n")
    assert stack.files_to_copy(compose) == ["stack.yml", "./probe.pl", "probe.pl"]


def test_quieten_keeps_each_tasks_last_lines_without_the_noise() -> None:
    logs = "\n".join([
        "galera.1@docker1 | starting",
        "galera.2@docker2 | connection to peer 00 with addr tcp://10.0.1.27:4567 timed out",
        "galera.1@docker1 | [ERROR] failed to reach primary view",
        "galera.2@docker2 | joining registered members: 10.0.1.8",
        "galera.1@docker1 | Aborting",
    ])
    assert stack.quieten(logs, ("connection to peer",), tail=2).splitlines() == [
        "galera.1@docker1 | [ERROR] failed to reach primary view",
        "galera.1@docker1 | Aborting",
        "galera.2@docker2 | joining registered members: 10.0.1.8",
    ]


def test_the_crowded_tasks_are_those_that_share_a_node() -> None:
    one, two = SimpleNamespace(hostname="docker1"), SimpleNamespace(hostname="docker2")
    spread = [Task("mysql-galera", one, "g.1"), Task("mysql-galera", two, "g.2")]  # type: ignore[arg-type]
    piled = [*spread, Task("mysql-galera", two, "g.3")]  # type: ignore[arg-type]
    assert crowded(spread) == []
    assert [t.container for t in crowded(piled)] == ["g.2", "g.3"]
    assert placement(piled) == {"g.1": "docker1", "g.2": "docker2", "g.3": "docker2"}


def test_commands_into_the_nodes_run_at_once_and_answer_in_order() -> None:
    # Each call waits until all three have started: run one after the other they would time out.
    started = threading.Barrier(3, timeout=5)

    def probe(member: str) -> str:
        started.wait()
        return member.upper()

    assert at_once(probe, ["a", "b", "c"], limit=8) == ["A", "B", "C"]
    assert at_once(probe, [], limit=8) == []


def test_running_tasks_are_read_from_one_formatted_listing() -> None:
    listing = ("galera_etcd.1\tq1w2e3\tdocker2\tRunning 3 minutes ago\n"
               "galera_mysql-galera.2\ta1b2c3\tdocker1\tStarting 4 seconds ago\n"
               "\\_ galera_etcd.1\tz9y8x7\tdocker1\tRunning 1 second ago\n"
               "galera_wordpress.abcnode\tp0o9i8\t\tRunning 10 seconds ago\n"
               "not a task line\n")
    assert stack.parse_running(listing) == {"galera_etcd.1.q1w2e3": "docker2", "galera_etcd.1.z9y8x7": "docker1",
                                            "galera_wordpress.abcnode.p0o9i8": "?"}


def test_the_cli_of_a_client_reaches_its_own_engine_not_the_local_one() -> None:
    from python_on_whales import DockerClient

    over_ssh = stack.cli(DockerClient(host="unix:///tmp/swarmproof-ssh-x/docker2.docker.sock"))
    assert over_ssh[-2:] == ["--host", "unix:///tmp/swarmproof-ssh-x/docker2.docker.sock"]
    in_a_node = stack.cli(DockerClient(client_call=["/bin/docker", "exec", "-i", "node1", "docker"]))
    assert in_a_node[:5] == ["/bin/docker", "exec", "-i", "node1", "docker"]
