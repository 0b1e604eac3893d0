"""The diagnostics bundle's own logic: every piece written, failures kept, secrets redacted."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from swarmproof.diagnostics import Piece, dns_script, first_answer, redact, write_bundle
from swarmproof.secret import Secret


def test_every_piece_is_written_and_one_that_fails_says_why_without_stopping_the_rest(tmp_path: Path) -> None:
    def broken() -> str:
        raise TimeoutError("node paused")

    folder = write_bundle(tmp_path / "b", [Piece("docker1/node-ls.txt", lambda: "ID HOSTNAME"),
                                           Piece("docker2/node-ls.txt", broken)], secrets=[], header="t failed")
    assert (folder / "docker1/node-ls.txt").read_text() == "ID HOSTNAME"
    assert "could not collect: TimeoutError: node paused" in (folder / "docker2/node-ls.txt").read_text()
    assert (folder / "INDEX.txt").read_text().splitlines() == ["t failed", "docker1/node-ls.txt",
                                                              "docker2/node-ls.txt"]


def test_passwords_are_redacted_from_every_file_even_inside_words(tmp_path: Path) -> None:
    password = Secret("s3cr3t-Pa55")
    folder = write_bundle(tmp_path / "b", [Piece("tasks/mysql-galera.log", lambda: f"-p{password} and {password}x")],
                          secrets=[password], header=f"header with {password}")
    text = "".join(path.read_text() for path in folder.rglob("*.txt")) + (folder / "tasks/mysql-galera.log").read_text()
    assert password.value not in text
    assert "-p*** and ***x" in text


def test_redaction_ignores_empty_secrets() -> None:
    assert redact("abc", ["", "b"]) == "a***c"


def test_the_dns_lookups_cover_each_service_vip_and_its_tasks() -> None:
    script = dns_script(["etcd", "mysql-galera"], "galera")
    assert "for name in etcd tasks.etcd mysql-galera tasks.mysql-galera;" in script


def test_a_piece_asked_of_every_node_comes_from_the_one_that_runs_the_task(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from swarmproof import diagnostics

    answers = {"docker1": "no etcd here", "docker2": '{"health":"true"}'}
    def run_in(node: SimpleNamespace, script: str) -> str:
        return f"$ {script} no etcd here\n{answers[node.hostname]}"

    monkeypatch.setattr(diagnostics, "run_in", run_in)
    nodes = [SimpleNamespace(hostname="docker1"), SimpleNamespace(hostname="docker2")]
    assert first_answer(nodes, "ask", absent="no etcd here") == '(on docker2)\n$ ask no etcd here\n{"health":"true"}'
    answers["docker2"] = "no etcd here"
    assert first_answer(nodes, "ask", absent="no etcd here").count("(on ") == 2
