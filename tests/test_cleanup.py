from __future__ import annotations

import socket
from pathlib import Path

import pytest

from swarmproof import vm
from swarmproof.cleanup import RunRecord, abandoned, remove_run, runs_on_engine, sweep
from swarmproof.run import LABEL_KEEP, LABEL_OWNER, LABEL_RUN, current_owner

from .fakes import FakeClient, FakeResource

DEAD = f"{socket.gethostname()}:999999999:1"


def labels(run_id: str, owner: str, kept: bool = False) -> dict[str, str]:
    found = {LABEL_RUN: run_id, LABEL_OWNER: owner}
    if kept:
        found[LABEL_KEEP] = "true"
    return found


def test_only_dead_unkept_runs_are_abandoned() -> None:
    records = [RunRecord("live", current_owner(), False), RunRecord("dead", DEAD, False),
               RunRecord("kept", DEAD, True)]
    assert abandoned(records) == ["dead"]
    assert abandoned(records, include_kept=True) == ["dead", "kept"]


def test_remove_run_removes_exactly_that_run() -> None:
    client = FakeClient()
    mine = [FakeResource("sp-a-docker1", labels("a", DEAD)), FakeResource("sp-a-docker2", labels("a", DEAD))]
    other = FakeResource("sp-b-docker1", labels("b", current_owner()))
    unrelated = FakeResource("postgres", {})
    client.containers.items = [*mine, other, unrelated]
    client.networks.items = [FakeResource("sp-a-net", labels("a", DEAD))]
    removed = remove_run(client, "a")  # type: ignore[arg-type]
    assert sorted(removed.containers) == ["sp-a-docker1", "sp-a-docker2"]
    assert removed.networks == ["sp-a-net"]
    assert not other.removed and not unrelated.removed


def test_runs_are_found_on_any_resource_kind_and_kept_wins() -> None:
    client = FakeClient()
    client.volumes.items = [FakeResource("sp-a-data", labels("a", DEAD))]
    client.networks.items = [FakeResource("sp-b-net", labels("b", DEAD, kept=True))]
    client.containers.items = [FakeResource("sp-b-docker1", labels("b", DEAD))]
    records = {r.run_id: r for r in runs_on_engine(client)}  # type: ignore[arg-type]
    assert set(records) == {"a", "b"}
    assert records["b"].kept and not records["a"].kept


def test_the_sweep_removes_a_crashed_runs_vm_but_never_a_kept_one(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(vm.tempfile, "gettempdir", lambda: str(tmp_path))
    crashed, kept = (tmp_path / f"{vm.WORKDIR_PREFIX}{name}" for name in ("crashed", "kept"))
    for folder in (crashed, kept):
        folder.mkdir()
        (folder / "owner").write_text(DEAD)
    (kept / "kept").touch()
    client = FakeClient()  # a probe container of the kept run, without the keep label, as a killed probe leaves
    client.containers.items = [FakeResource("sp-kept-probe", labels("kept", DEAD))]
    removed = sweep(client)  # type: ignore[arg-type]
    assert removed.vms == [crashed.name] and not crashed.exists()
    assert kept.exists(), "a kept cluster's VM must survive the sweep"
    assert removed.containers == ["sp-kept-probe"]
    assert "1 VMs" in removed.describe()
