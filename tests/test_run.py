from __future__ import annotations

import os
import socket
import subprocess

from swarmproof.run import LABEL_OWNER, LABEL_RUN, Run, current_owner, owner_alive, process_start_time


def test_this_process_is_alive() -> None:
    assert owner_alive(current_owner())


def test_a_finished_process_is_dead() -> None:
    child = subprocess.Popen(["true"])
    owner = f"{socket.gethostname()}:{child.pid}:{process_start_time(child.pid)}"
    child.wait()
    assert not owner_alive(owner)


def test_a_reused_pid_with_another_start_time_is_dead() -> None:
    assert not owner_alive(f"{socket.gethostname()}:{os.getpid()}:1")


def test_owners_on_other_hosts_are_assumed_alive() -> None:
    assert owner_alive("some-other-host:1:1", hostname="this-host")


def test_malformed_owner_is_litter() -> None:
    assert not owner_alive("garbage")


def test_names_and_labels_derive_from_the_run() -> None:
    run = Run(run_id="abcd1234", owner="h:1:2")
    assert run.name("docker1") == "sp-abcd1234-docker1"
    assert run.labels(extra="x") == {LABEL_RUN: "abcd1234", LABEL_OWNER: "h:1:2", "extra": "x"}


def test_two_runs_never_share_names() -> None:
    assert Run().prefix != Run().prefix
