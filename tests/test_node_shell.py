"""A script run in a node: its output, its failure, and a node that does not answer in time."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from swarmproof.errors import CommandFailed, NoAnswer
from swarmproof.providers import Node, Shell
from swarmproof.providers.dind import DindNode

# Stands in for `docker`: drops `exec -i <container>` and runs the rest here.
FAKE_DOCKER = "import subprocess, sys; sys.exit(subprocess.call(sys.argv[4:]))\n"


@pytest.fixture
def node(tmp_path: Path) -> Node:
    fake = tmp_path / "fake_docker.py"
    fake.write_text(FAKE_DOCKER)
    return DindNode("docker1", "10.0.0.2", "sp-x-docker1", [sys.executable, str(fake)])


def test_a_script_says_what_it_printed(node: Node) -> None:
    shell = node.sh("echo out; echo err >&2")
    assert shell == Shell("echo out; echo err >&2", 0, "out\nerr\n", timeout=120.0)
    assert shell.checked() == "out\nerr\n"
    assert shell.transcript() == "$ echo out; echo err >&2\nout\nerr\n"


def test_a_failing_script_is_an_error_when_checked(node: Node) -> None:
    shell = node.sh("echo nope; exit 3")
    assert shell.transcript().endswith("nope\n(exit 3)\n")
    with pytest.raises(CommandFailed, match="exited 3") as raised:
        shell.checked()
    assert "nope" in raised.value.output


def test_a_node_that_does_not_answer_is_given_up_on(node: Node) -> None:
    shell = node.sh("sleep 30", timeout=0.5)
    assert shell.returncode is None
    assert shell.transcript().endswith("(no answer within 0.5s: the node may be paused, partitioned or dead)\n")
    with pytest.raises(NoAnswer, match=r"`sh -c sleep 30` got no answer within 0.5s \(the node may be paused"):
        shell.checked()


def test_put_copies_the_named_files_and_nothing_else_into_a_fresh_folder(node: Node, tmp_path: Path) -> None:
    source = tmp_path / "stack"
    (source / "configs").mkdir(parents=True)
    (source / "stack.yml").write_text("services: {}\n")
    (source / "configs" / "my.cnf").write_text("[mysqld]\n")
    (source / "secret-not-named.txt").write_text("private\n")
    destination = tmp_path / "in-node"
    (destination / "stale").mkdir(parents=True)
    node.put(source, ["stack.yml", "configs/my.cnf"], str(destination))
    found = sorted(str(p.relative_to(destination)) for p in destination.rglob("*") if p.is_file())
    assert found == ["configs/my.cnf", "stack.yml"]
    assert (destination / "configs" / "my.cnf").read_text() == "[mysqld]\n"


def test_put_into_a_node_that_refuses_is_an_error(node: Node, tmp_path: Path) -> None:
    (tmp_path / "stack.yml").write_text("services: {}\n")
    with pytest.raises(CommandFailed):
        node.put(tmp_path, ["stack.yml"], "/proc/no-such-place/stacks")


def test_put_of_a_file_that_is_not_there_is_an_error_naming_it(node: Node, tmp_path: Path) -> None:
    with pytest.raises(CommandFailed, match="no such file") as raised:
        node.put(tmp_path, ["configs/absent.cnf"], str(tmp_path / "in-node"))
    assert "configs/absent.cnf" in raised.value.output
