"""One way to run a command: what it said, how it failed, and which side of a pipe failed."""

from __future__ import annotations

import subprocess
import sys

import pytest

from swarmproof import command
from swarmproof.errors import CommandFailed, NoAnswer

PY = sys.executable


def test_a_command_says_what_it_printed() -> None:
    assert command.run([PY, "-c", "print('out'); import sys; print('err', file=sys.stderr)"]) == "out\nerr\n"


def test_a_failing_command_carries_its_command_exit_code_and_output() -> None:
    with pytest.raises(CommandFailed) as raised:
        command.run([PY, "-c", "print('why'); raise SystemExit(4)"])
    assert raised.value.returncode == 4 and "why" in raised.value.output and raised.value.command[0] == PY


def test_a_command_that_does_not_end_is_no_answer() -> None:
    with pytest.raises(NoAnswer, match=r"got no answer within 0\.3s"):
        command.run([PY, "-c", "import time; time.sleep(30)"], timeout=0.3)


def test_a_command_that_is_not_installed_is_a_failure_not_a_crash() -> None:
    assert command.attempt(["no-such-command-swarmproof"]).returncode == 127


def test_a_command_never_reads_the_test_process_stdin() -> None:
    assert command.run([PY, "-c", "import sys; print(repr(sys.stdin.read()))"]) == "''\n"


def test_a_pipe_hands_the_stream_over() -> None:
    assert command.pipe([PY, "-c", "print('a\\nb')"], ["wc", "-l"]).strip() == "2"


def test_a_pipe_whose_consumer_fails_blames_the_consumer() -> None:
    producer = [PY, "-c", "import sys\nfor _ in range(100000): sys.stdout.write('x' * 100)"]
    with pytest.raises(CommandFailed) as raised:
        command.pipe(producer, [PY, "-c", "import sys; print('bad archive', file=sys.stderr); raise SystemExit(3)"])
    assert raised.value.returncode == 3 and "bad archive" in raised.value.output


def test_a_pipe_whose_producer_fails_blames_the_producer() -> None:
    with pytest.raises(CommandFailed) as raised:
        command.pipe([PY, "-c", "import sys; print('no such image', file=sys.stderr); raise SystemExit(1)"],
                     ["cat"])
    assert raised.value.command[0] == PY and "no such image" in raised.value.output


@pytest.mark.parametrize("first", ["swarmproof.actions", "swarmproof.stack", "swarmproof.reuse", "swarmproof.chaos",
                                   "swarmproof.cli", "swarmproof.providers.dind", "swarmproof.cluster",
                                   "swarmproof.plugin"])
def test_every_module_imports_first(first: str) -> None:
    done = subprocess.run([PY, "-c", f"import {first}"], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
