"""The ssh provider's power scripts, and the verdict on whether chaos can run on a host."""

from __future__ import annotations

from pathlib import Path

import pytest

from swarmproof.config import Settings
from swarmproof.inventory import InventoryError, load
from swarmproof.progress import Progress
from swarmproof.providers.ssh import SshNode, SshProvider
from swarmproof.providers.ssh_power import HostPower, power_of
from swarmproof.run import Run


def test_a_sysv_host_is_stopped_and_started_by_its_init_script() -> None:
    power = power_of("docker1", "0", "init=sysv", sudo_works=False)
    assert power == HostPower("sysv")
    assert (power.stop(), power.start()) == ("service docker stop", "service docker start")


def test_a_systemd_host_is_kept_down_after_a_kill_as_a_host_without_power_stays_down() -> None:
    power = power_of("docker1", "0", "init=systemd", sudo_works=False)
    kill = power.kill()
    assert kill.index("kill -KILL") < kill.index("systemctl stop docker.socket docker.service containerd.service")
    assert power.stop().startswith("systemctl stop") and power.start().startswith("systemctl start")


def test_a_kill_signals_the_daemons_and_every_container_together() -> None:
    kill = HostPower("sysv").kill()
    assert "docker inspect -f '{{.State.Pid}}'" in kill  # the containers' first processes
    assert "kill -KILL $(pidof dockerd) $(pidof containerd) $(pgrep containerd-shim) $pids" in kill


def test_an_unpause_thaws_only_what_the_pause_froze() -> None:
    power = HostPower("sysv")
    assert power.pause().index("frozen=$(set -- $ids;") < power.pause().index("kill -STOP")
    assert power.pause().endswith("echo $frozen")
    files = ["/sys/fs/cgroup/freezer/docker/abc/freezer.state", "/sys/fs/cgroup/freezer/docker/def/freezer.state"]
    thaw = power.unpause(files)
    assert thaw.index("kill -CONT") < thaw.index(f"for file in {' '.join(files)}; do")
    assert "docker inspect" not in thaw, "a thaw that asks dockerd waits on what it would thaw"
    assert "docker pause" not in power.pause() and "docker unpause" not in thaw


@pytest.mark.parametrize(("uid", "probe", "sudo", "expected"), [
    ("1000", "init=sysv", False, "docker1: --allow-disruption needs root there"),
    ("0", "init=none", False, "docker1: neither systemd nor /etc/init.d/docker manages dockerd"),
    ("0", "init=sysv missing=iptables missing=pgrep", False, "docker1: --allow-disruption needs iptables, pgrep"),
])
def test_a_host_chaos_cannot_run_on_is_refused_in_one_line(uid: str, probe: str, sudo: bool, expected: str) -> None:
    with pytest.raises(InventoryError, match=f"^{expected}"):
        power_of("docker1", uid, probe, sudo_works=sudo)


def test_a_user_with_sudo_may_disrupt_and_runs_the_scripts_through_sudo_without_a_prompt() -> None:
    assert power_of("docker1", "1000", "init=sysv", sudo_works=True) == HostPower("sysv")

    class Spec:
        user = "admin"

    class Target:
        spec = Spec()

    node = SshNode.__new__(SshNode)
    node.target = Target()  # type: ignore[assignment]
    assert node.as_root("service docker stop") == "sudo -n sh -c 'service docker stop'"
    Spec.user = "root"
    assert node.as_root("service docker stop") == "service docker stop"


@pytest.mark.parametrize("allowed", [False, True])
def test_chaos_on_the_users_hosts_needs_allow_disruption(tmp_path: Path, allowed: bool) -> None:
    (tmp_path / "hosts.yml").write_text(INVENTORY)
    settings = Settings(provider="ssh", inventory=tmp_path / "hosts.yml", engine="local", allow_disruption=allowed)
    provider = SshProvider(load(settings.inventory), Run(), settings, Progress())  # type: ignore[arg-type]
    try:
        assert provider.offers("kill") is allowed and provider.offers("unpause") is allowed
        assert (provider.refuses_disruption() == "") is allowed
        if not allowed:
            assert "unless you pass --allow-disruption" in provider.refuses_disruption()
    finally:
        provider.close()


INVENTORY = """hosts:
  docker1: {ssh: "root@192.0.2.11", advertise: "10.0.0.11"}
  docker2: {ssh: "root@192.0.2.12", advertise: "10.0.0.12"}
  docker3: {ssh: "root@192.0.2.13", advertise: "10.0.0.13"}
"""
