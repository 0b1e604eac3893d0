"""The ssh provider's verdicts on what the hosts said of themselves, and ssh's own refusals
turned into one line with what to do."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest

from swarmproof.inventory import InventoryError, InventoryHost
from swarmproof.providers.ssh_checks import HostFacts, verdict
from swarmproof.ssh import SshHost, SshOptions, SshUnreachable, _hint


def facts(**changes: object) -> dict[str, HostFacts]:
    hosts = {name: HostFacts(name, name, "20.10.24+dfsg1", 0.4) for name in ("docker1", "docker2", "docker3")}
    for name, fact in changes.items():
        hosts[name] = fact  # type: ignore[assignment]
    return hosts


def refused(found: dict[str, HostFacts]) -> str:
    with pytest.raises(InventoryError) as caught:
        verdict(found, "inv.yml")
    assert "\n" not in str(caught.value)
    return str(caught.value)


def test_agreeing_hosts_pass() -> None:
    verdict(facts(docker2=HostFacts("docker2", "docker2", "20.10.5", -3.0)), "inv.yml")


def test_a_host_that_calls_itself_otherwise_is_named() -> None:
    found = facts(docker2=HostFacts("docker2", "lab-12", "20.10.24", 0.0))
    assert "the host given as docker2 calls itself 'lab-12'" in refused(found)


def test_a_skewed_clock_is_named_with_its_offset() -> None:
    found = facts(docker3=HostFacts("docker3", "docker3", "20.10.24", -95.0))
    assert "docker3's clock is -95 s off this machine's" in refused(found)


def test_different_major_docker_versions_are_named() -> None:
    found = facts(docker1=HostFacts("docker1", "docker1", "27.3.1", 0.0))
    assert "different major Docker versions (docker1 27.3.1, docker2 20.10.24+dfsg1" in refused(found)


def test_a_closed_port_is_one_line_in_seconds_with_what_to_do(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a loopback port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    host = SshHost(InventoryHost("docker1", "root", "127.0.0.1", port, "10.0.0.1", True),
                   SshOptions(None, None, tmp_path))
    started = time.monotonic()
    with pytest.raises(SshUnreachable) as caught:
        host.open()
    assert time.monotonic() - started < 10
    assert f"ssh to docker1 (root@127.0.0.1 port {port}) failed" in str(caught.value)
    assert "nothing listens for ssh at that address and port" in str(caught.value)


@pytest.mark.parametrize(("silence", "count"), [(15.0, "3"), (45.0, "9"), (1.0, "1")])
def test_a_connection_is_given_up_after_the_silence_its_hosts_are_allowed(tmp_path: Path, silence: float,
                                                                           count: str) -> None:
    host = InventoryHost("docker1", "root", "127.0.0.1", 22, "10.0.0.1", True)
    args = SshOptions(None, None, tmp_path, silence).options(host)
    assert args[args.index("-o", args.index("ServerAliveInterval=5")) + 1] == f"ServerAliveCountMax={count}"


@pytest.mark.parametrize(("said", "expected"), [
    ("Host key verification failed.", "not in known_hosts"),
    ("@ WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED! @", "differs from known_hosts"),
    ("root@127.0.0.1: Permission denied (publickey).", "no password prompt is ever answered"),
    ("ssh: connect to host 10.9.9.9 port 22: Connection timed out", "does not answer"),
])
def test_ssh_refusals_get_what_to_do(said: str, expected: str) -> None:
    assert expected in _hint(said)


def test_vips_need_ip_vs_on_every_host_and_the_verdict_says_where_it_lacks() -> None:
    from swarmproof.providers.ssh_checks import ip_vs_reason, ip_vs_verdict

    assert ip_vs_verdict({"docker1": "loaded", "docker2": "loadable", "docker3": "loaded"}) == (
        True, "loadable on docker2; loaded on docker1, docker3")
    ip_vs, detail = ip_vs_verdict({"docker1": "loaded", "docker2": "absent", "docker3": "modinfo: ERROR"})
    assert (ip_vs, detail) == (False, "absent on docker2, docker3; loaded on docker1")
    assert ip_vs_reason(detail).startswith("the hosts' kernels lack IP_VS (absent on docker2, docker3;")
