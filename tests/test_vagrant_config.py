"""The vagrant provider's pure parts: the run's networks, the Vagrantfile's environment, the
inventory made from `vagrant ssh-config`."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pytest

from swarmproof import command
from swarmproof.command import Done
from swarmproof.errors import SwarmproofError
from swarmproof.providers.vagrant_config import (
    inventory_of,
    known_hosts_lines,
    parse_ssh_config,
    subnets,
    vagrant_env,
)
from swarmproof.vagrant_box import vagrant

SSH_CONFIG = """Host docker1
  HostName 10.100.7.23
  User vagrant
  Port 22
  UserKnownHostsFile /dev/null
  StrictHostKeyChecking no
  IdentityFile /root/.cache/swarmproof/vagrant/abc/vagrant_key

Host docker2
  HostName 10.100.7.24
  User vagrant
  Port 22

Host docker3
  HostName 10.100.7.25
  User vagrant
  Port 2222
"""


def test_each_run_has_networks_of_its_own_in_the_pool() -> None:
    private, management = subnets("0a1b2c3d")
    assert subnets("0a1b2c3d") == (private, management)
    first, second, third = (int(part) for part in private.split("."))
    assert first == 10 and 96 <= second < 112 and third % 2 == 0
    assert management == f"10.{second}.{third + 1}.0/24"
    assert len({subnets(f"{n:08x}") for n in range(64)}) > 32  # runs side by side rarely meet


def test_the_vagrantfile_is_given_the_runs_settings() -> None:
    env = vagrant_env("0a1b2c3d", "host:1:2", ["docker1", "docker2", "docker3"], "swarmproof-abc",
                      Path("/k"), "qemu", 2048, 2, Path("/run/.vagrant"))
    assert env["SWARMPROOF_HOSTS"] == "docker1,docker2,docker3" and env["SWARMPROOF_DRIVER"] == "qemu"
    assert env["VAGRANT_DOTFILE_PATH"] == "/run/.vagrant"
    assert env["SWARMPROOF_DESCRIPTION"] == "swarmproof run 0a1b2c3d owner host:1:2"
    assert env["SWARMPROOF_SUBNET"] == subnets("0a1b2c3d")[0]


def test_the_inventory_reaches_each_vm_where_vagrant_does_and_advertises_its_private_address(
        tmp_path: Path) -> None:
    config = parse_ssh_config(SSH_CONFIG)
    assert config["docker1"]["hostname"] == "10.100.7.23" and config["docker3"]["port"] == "2222"
    inventory = inventory_of(config, ["docker1", "docker2", "docker3"], "0a1b2c3d", tmp_path / "key",
                             tmp_path / "known_hosts", tmp_path / "inventory.yml")
    private, _ = subnets("0a1b2c3d")
    assert [(h.destination, h.port, h.advertise) for h in inventory.hosts] == [
        ("vagrant@10.100.7.23", 22, f"{private}.11"), ("vagrant@10.100.7.24", 22, f"{private}.12"),
        ("vagrant@10.100.7.25", 2222, f"{private}.13")]
    assert known_hosts_lines(inventory, "ssh-ed25519 AAAA").splitlines() == [
        "10.100.7.23 ssh-ed25519 AAAA", "10.100.7.24 ssh-ed25519 AAAA", "[10.100.7.25]:2222 ssh-ed25519 AAAA"]


def test_a_host_vagrant_does_not_know_is_named(tmp_path: Path) -> None:
    with pytest.raises(SwarmproofError, match=r"^vagrant ssh-config names no address for docker4"):
        inventory_of(parse_ssh_config(SSH_CONFIG), ["docker1", "docker2", "docker3", "docker4"], "0a1b2c3d",
                     tmp_path / "key", tmp_path / "known_hosts", tmp_path / "inventory.yml")



def test_no_vagrant_command_calls_home(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[Mapping[str, str]] = []
    monkeypatch.setattr(command, "attempt", lambda argv, timeout, env: seen.append(env) or Done(tuple(argv), 0, "", 1))
    vagrant("box", "list", timeout=1)
    vagrant("up", timeout=1, env={"VAGRANT_CHECKPOINT_DISABLE": "0", "SWARMPROOF_RUN": "x"})
    assert [(e["VAGRANT_CHECKPOINT_DISABLE"], e["VAGRANT_BOX_UPDATE_CHECK_DISABLE"]) for e in seen] == [("1", "1")] * 2
    assert seen[1]["SWARMPROOF_RUN"] == "x"
