"""A script run in a node: its output, its failure, and a node that does not answer in time."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from swarmproof.errors import CommandFailed, NoAnswer
from swarmproof.providers import Node, Shell

# Stands in for `docker`: drops `exec <container>` and runs the rest here.
FAKE_DOCKER = "import subprocess, sys; sys.exit(subprocess.call(sys.argv[3:]))\n"


@pytest.fixture
def node(tmp_path: Path) -> Node:
    fake = tmp_path / "fake_docker.py"
    fake.write_text(FAKE_DOCKER)
    return Node("docker1", "sp-x-docker1", "10.0.0.2", ["true"], [sys.executable, str(fake)])


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
