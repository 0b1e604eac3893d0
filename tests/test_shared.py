"""How pytest-xdist workers share one run: made once, adopted by the others, locked for faults."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from filelock import ReadWriteLock, Timeout

from swarmproof.deployment import Passwords
from swarmproof.plugin.shared import Shared
from swarmproof.plugin.xdist import Controller, Identity, identity, module_access, uses_cluster
from swarmproof.run import Run


def test_the_first_worker_makes_and_later_ones_adopt(tmp_path: Path) -> None:
    shared, calls = Shared(tmp_path), []
    made = [shared.once("cluster", make=lambda: calls.append("make") or "made", adopt=lambda: "adopted")
            for _ in range(3)]
    assert made == ["made", "adopted", "adopted"]
    assert calls == ["make"]


def test_a_failed_make_is_not_recorded_made_so_the_next_worker_tries_again(tmp_path: Path) -> None:
    shared = Shared(tmp_path)

    def fail() -> None:
        raise RuntimeError("no engine")

    with pytest.raises(RuntimeError):
        shared.once("cluster", make=fail, adopt=lambda: None)
    assert shared.once("cluster", make=lambda: "made", adopt=lambda: "adopted") == "made"


def test_a_begun_make_is_seen_even_when_it_never_finished(tmp_path: Path) -> None:
    shared = Shared(tmp_path)
    assert not shared.begun()

    def crash() -> None:
        assert shared.begun(), "the record says begun before the making starts"
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        shared.once("cluster", make=crash, adopt=lambda: None)
    assert shared.begun()


def test_the_first_cause_of_a_broken_cluster_is_kept(tmp_path: Path) -> None:
    shared = Shared(tmp_path)
    assert shared.broken() == ""
    shared.mark_broken("test_a left the stack unsettled")
    shared.mark_broken("test_b left the stack unsettled")
    assert shared.broken() == "test_a left the stack unsettled"
    assert Shared(tmp_path).broken() == "test_a left the stack unsettled"


def could_lock(path: Path, exclusive: bool) -> bool:
    """Whether another holder (a separate lock instance, as another worker's) gets the lock now."""
    other = ReadWriteLock(path, blocking=False, is_singleton=False)
    try:
        (other.acquire_write if exclusive else other.acquire_read)()
    except Timeout:
        return False
    other.release()
    return True


def test_readers_share_the_cluster_and_a_fault_has_it_alone(tmp_path: Path) -> None:
    shared, lock = Shared(tmp_path), tmp_path / "access.db"
    with shared.access(exclusive=False):
        assert could_lock(lock, exclusive=False)
        assert not could_lock(lock, exclusive=True)
    with shared.access(exclusive=True):
        assert not could_lock(lock, exclusive=False)
    assert could_lock(lock, exclusive=True)


def test_workers_get_the_controllers_run_shared_directory_and_passwords(tmp_path: Path) -> None:
    run, passwords = Run(), Passwords()
    controller = Controller(Identity(run, None, passwords, kept_engine="vm"), keep=True)
    node = SimpleNamespace(workerinput={})
    controller.pytest_configure_node(node)
    worker = identity(SimpleNamespace(workerinput=node.workerinput))  # type: ignore[arg-type]
    assert worker.run == run
    assert worker.shared is not None and worker.shared.directory == controller.directory
    assert worker.shared.directory.is_dir()
    assert worker.passwords == passwords
    assert repr(worker.passwords.root) == "'***'"
    assert worker.reusing, "workers attach to the kept cluster the controller chose"
    assert worker.kept_engine == "vm", "and to its engine, whatever --engine auto would pick"
    worker.shared.directory.rmdir()


def test_a_process_outside_xdist_is_a_run_of_its_own() -> None:
    first, second = identity(SimpleNamespace()), identity(SimpleNamespace())  # type: ignore[arg-type]
    assert first.shared is None and not first.reusing
    assert first.run.run_id != second.run.run_id
    assert first.passwords != second.passwords


def test_a_module_that_never_asks_for_the_cluster_runs_while_a_fault_holds_it(tmp_path: Path) -> None:
    shared, module = Shared(tmp_path), object()
    item = SimpleNamespace(module=module, fixturenames=["discovery_network"], get_closest_marker=lambda name: None)
    settings = SimpleNamespace(provider="dind")

    def fixture(name: str) -> object:
        return settings if name == "swarmproof_settings" else pytest.fail(f"asked for {name}")

    request = SimpleNamespace(module=module, session=SimpleNamespace(items=[item]), getfixturevalue=fixture)
    with shared.access(exclusive=True):  # another worker's chaos module
        ran = list(module_access(request, shared))  # type: ignore[arg-type]
    assert ran == [None]


def test_plain_docker_is_the_cluster_where_the_hosts_are_the_users() -> None:
    assert uses_cluster({"galera_stack", "swarm_cluster"}, hosts_made=True)
    assert not uses_cluster({"plain_docker"}, hosts_made=True)  # the local engine
    assert uses_cluster({"plain_docker"}, hosts_made=False)  # the first host's dockerd
