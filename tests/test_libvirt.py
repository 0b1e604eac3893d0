"""What a run has in libvirt: found by name and description, and only a crashed run's swept."""

from __future__ import annotations

import socket
from collections.abc import Sequence
from pathlib import Path

import pytest

from swarmproof import command, libvirt
from swarmproof.command import Done
from swarmproof.errors import SwarmproofError
from swarmproof.run import current_owner


class FakeVirsh:
    """libvirt as virsh shows it: domains (name -> description), volumes, networks."""

    def __init__(self, domains: dict[str, str], volumes: Sequence[str] = (), networks: Sequence[str] = (),
                 stubborn: Sequence[str] = ()) -> None:
        self.domains, self.volumes, self.networks = dict(domains), list(volumes), list(networks)
        self.stubborn = stubborn  # what libvirt refuses to remove
        self.removed: list[str] = []

    def __call__(self, argv: Sequence[str], timeout: float = 0, stdin: bytes | None = None,
                 env: object = None, cwd: object = None) -> Done:
        verb, *rest = argv[len(libvirt.VIRSH):]
        said = {"list": "\n".join(self.domains), "desc": self.domains.get(rest[0], "") if rest else "",
                "vol-list": " Name   Path\n------\n" + "\n".join(f" {v}  /x/{v}" for v in self.volumes),
                "net-list": "\n".join(self.networks)}.get(verb, "")
        if verb in ("undefine", "vol-delete", "net-undefine") and rest[0] not in self.stubborn:
            self.removed.append(rest[0])
            self.domains.pop(rest[0], None)
            for kept in (self.volumes, self.networks):
                if rest[0] in kept:
                    kept.remove(rest[0])
        return Done(tuple(argv), 0, said, timeout)


@pytest.fixture
def dead_owner() -> str:
    return f"{socket.gethostname()}:1:0"  # a pid 1 that started at tick 0: gone


@pytest.fixture
def runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(libvirt, "runs_folder", lambda: tmp_path)
    monkeypatch.setattr(libvirt.shutil, "which", lambda name: f"/usr/bin/{name}")
    return tmp_path


def test_a_domains_description_names_its_run_and_owner() -> None:
    assert libvirt.owner_of(libvirt.description("0a1b2c3d", "host:123:456")) == ("0a1b2c3d", "host:123:456")
    assert libvirt.owner_of("somebody's VM") is None


def test_only_runs_whose_owner_is_gone_are_abandoned(runs: Path, dead_owner: str,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(command, "attempt", FakeVirsh({
        "sp-dead0001-docker1": libvirt.description("dead0001", dead_owner),
        "sp-live0001-docker1": libvirt.description("live0001", current_owner()),
        "sp-other-vm": "somebody's own VM"}))
    for run_id, owner in (("dead0002", dead_owner), ("live0002", current_owner())):
        (runs / run_id).mkdir()
        (runs / run_id / "owner").write_text(owner)
    (runs / "making0").mkdir()  # its owner file is being written this instant
    assert libvirt.abandoned_runs() == ["dead0001", "dead0002"]


def test_removing_a_run_takes_its_domains_volumes_networks_and_folder_and_nothing_else(
        runs: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeVirsh({"sp-dead0001-docker1": "", "sp-dead00012-docker1": ""},
                     volumes=["sp-dead0001-docker1.img", "swarmproof-abc_vagrant_box_image_0_box.img"],
                     networks=["sp-dead0001-swarm", "default"])
    monkeypatch.setattr(command, "attempt", fake)
    (runs / "dead0001").mkdir()
    assert libvirt.remove_run("dead0001") == "1 domain(s), 1 volume(s), 1 network(s)"
    assert fake.removed == ["sp-dead0001-docker1", "sp-dead0001-docker1.img", "sp-dead0001-swarm"]
    assert not (runs / "dead0001").exists()


def test_what_libvirt_will_not_remove_is_named(runs: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(command, "attempt", FakeVirsh({"sp-dead0001-docker1": ""}, stubborn=["sp-dead0001-docker1"]))
    with pytest.raises(SwarmproofError, match=r"^libvirt still has sp-dead0001-docker1 of run dead0001"):
        libvirt.remove_run("dead0001")


def test_the_owner_file_is_written_whole(tmp_path: Path) -> None:
    libvirt.write_owner(tmp_path, "host:1:2")
    assert (tmp_path / "owner").read_text() == "host:1:2" and not (tmp_path / "owner.partial").exists()
