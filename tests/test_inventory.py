"""The ssh provider's inventory: what it accepts, and one line for each thing it refuses."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from swarmproof.inventory import InventoryError, load, parse

GOOD = """
hosts:
  docker1: {ssh: "root@192.0.2.11", advertise: "10.0.0.11"}
  docker2: {ssh: "root@192.0.2.12:2222", advertise: "10.0.0.12"}
  docker3: {ssh: "admin@lab-3.example", advertise: "10.0.0.13"}
"""


def inventory_error(text: str, path: Path = Path("inv.yml")) -> str:
    with pytest.raises(InventoryError) as caught:
        parse(text, path)
    message = str(caught.value)
    assert "\n" not in message, "one line"
    return message


def test_three_hosts_are_the_managers_and_ports_default_to_22() -> None:
    inventory = parse(GOOD, Path("inv.yml"))
    assert [(h.name, h.user, h.address, h.port, h.advertise) for h in inventory.hosts] == [
        ("docker1", "root", "192.0.2.11", 22, "10.0.0.11"),
        ("docker2", "root", "192.0.2.12", 2222, "10.0.0.12"),
        ("docker3", "admin", "lab-3.example", 22, "10.0.0.13")]
    assert len(inventory.managers) == 3
    assert inventory.identity_file is None and inventory.known_hosts is None


def test_hosts_after_the_third_are_workers() -> None:
    inventory = parse(GOOD + '  docker4: {ssh: "root@192.0.2.14", advertise: "10.0.0.14"}\n', Path("inv.yml"))
    assert [h.manager for h in inventory.hosts] == [True, True, True, False]


def test_key_and_known_hosts_are_found_beside_the_inventory(tmp_path: Path) -> None:
    (tmp_path / "key").write_text("")
    (tmp_path / "known").write_text("")
    inventory = parse(GOOD + "identity_file: key\nknown_hosts: known\n", tmp_path / "inv.yml")
    assert inventory.identity_file == tmp_path / "key"
    assert inventory.known_hosts == tmp_path / "known"


@pytest.mark.parametrize(("text", "expected"), [
    ("hosts: [a, b]", "`hosts:` must map each host's name"),
    (GOOD.replace('  docker3: {ssh: "admin@lab-3.example", advertise: "10.0.0.13"}\n', ""),
     "2 host(s) given; the walkthrough's swarm needs at least 3"),
    (GOOD.replace(', advertise: "10.0.0.12"', ""), "host docker2: `advertise` is missing"),
    (GOOD.replace('ssh: "root@192.0.2.11", ', ""), "host docker1: `ssh` is missing"),
    (GOOD.replace("root@192.0.2.11", "192.0.2.11"), "ssh '192.0.2.11' is not user@host[:port]"),
    (GOOD.replace(":2222", ":70000"), "ssh port 70000 is out of range"),
    (GOOD.replace('"10.0.0.13"', '"lab-3"'), "advertise 'lab-3' is not an IPv4 address"),
    (GOOD.replace('"10.0.0.13"', '"10.0.0.11"'), "hosts docker1 and docker3 have the same advertise address"),
    (GOOD.replace("advertise:", "adverstise:", 1), "host docker1 has unknown field 'adverstise'"),
    (GOOD + "identity: key\n", "the top level has unknown field 'identity'"),
    (GOOD + "known_hosts: nowhere\n", "known_hosts nowhere is not a file"),
    ("hosts: {docker1: [oops\n", "not YAML at line"),
    ("", "expected a mapping with `hosts:`, found nothing"),
])
def test_a_bad_inventory_is_one_line_naming_what_is_wrong(text: str, expected: str) -> None:
    assert expected in inventory_error(text)


def test_an_unreadable_inventory_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(InventoryError, match="cannot be read"):
        load(tmp_path / "absent.yml")


def test_the_ssh_provider_without_an_inventory_is_a_usage_error_at_once(pytester: pytest.Pytester) -> None:
    started = time.monotonic()
    result = pytester.runpytest("--provider", "ssh")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--provider ssh needs --inventory PATH*"])
    assert time.monotonic() - started < 10


def test_an_inventory_of_two_hosts_is_a_usage_error_before_anything_starts(pytester: pytest.Pytester) -> None:
    two = pytester.path / "two.yml"
    two.write_text(GOOD.replace('  docker3: {ssh: "admin@lab-3.example", advertise: "10.0.0.13"}\n', ""))
    result = pytester.runpytest("--provider", "ssh", "--inventory", str(two))
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*2 host(s) given; the walkthrough's swarm needs at least 3*"])


@pytest.mark.parametrize(("options", "expected"), [
    (["--engine", "vm"], "*--engine=vm does not apply to the ssh provider (it takes auto or local)*"),
    (["--keep-cluster"], "*--keep-cluster and --reuse-cluster do not apply to the ssh provider: its hosts are yours*"),
    (["-n", "2"], "*the ssh provider does not run under pytest-xdist yet*"),
])
def test_options_the_ssh_provider_cannot_honour_are_usage_errors(pytester: pytest.Pytester, options: list[str],
                                                                 expected: str) -> None:
    good = pytester.path / "inv.yml"
    good.write_text(GOOD)
    result = pytester.runpytest("--provider", "ssh", "--inventory", str(good), *options)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([expected])


def test_an_inventory_without_the_ssh_provider_is_a_usage_error(pytester: pytest.Pytester) -> None:
    good = pytester.path / "inv.yml"
    good.write_text(GOOD)
    result = pytester.runpytest("--inventory", str(good))
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--inventory is for --provider ssh*"])
