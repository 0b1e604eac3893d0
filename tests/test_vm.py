from __future__ import annotations

import subprocess
import tarfile
from pathlib import Path

import pytest

from swarmproof import tls, vm
from swarmproof.errors import PortTaken
from swarmproof.progress import Progress
from swarmproof.run import Run


@pytest.fixture
def machine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> vm.Vm:
    monkeypatch.setattr(vm.tempfile, "gettempdir", lambda: str(tmp_path))
    machine = vm.Vm(Run(run_id="feedf00d"), tmp_path / "image", Progress())
    machine.tls = tls.TlsFiles(tmp_path / "tls")
    machine.engine_port = 41234
    return machine


def test_the_engine_port_is_forwarded_from_loopback_only(machine: vm.Vm) -> None:
    command = machine.command()
    netdev = command[command.index("-netdev") + 1]
    assert "hostfwd=tcp:127.0.0.1:41234-:2376" in netdev
    assert "0.0.0.0" not in " ".join(command)


def test_tcg_is_multi_threaded_and_apparmor_is_off(machine: vm.Vm) -> None:
    command = machine.command()
    assert command[command.index("-accel") + 1] == "tcg,thread=multi"
    assert "apparmor=0" in command[command.index("-append") + 1]
    machine.accel = "kvm"
    assert machine.command()[machine.command().index("-accel") + 1] == "kvm"


def test_the_cached_image_is_never_written(machine: vm.Vm) -> None:
    drive = machine.command()[machine.command().index("-drive") + 1]
    assert "overlay.qcow2" in drive and "root.raw" not in drive


def test_leftover_vms_are_those_of_dead_unkept_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(vm.tempfile, "gettempdir", lambda: str(tmp_path))
    live, dead, kept = (tmp_path / f"{vm.WORKDIR_PREFIX}{name}" for name in ("live", "dead", "kept"))
    for folder, owner in ((live, Run().owner), (dead, "elsewhere-not:1:1"), (kept, "x")):
        folder.mkdir()
        (folder / "owner").write_text(owner)
    (dead / "owner").write_text(f"{__import__('socket').gethostname()}:999999999:1")
    (kept / "kept").touch()
    assert vm.leftover_vms() == [dead]
    assert sorted(vm.leftover_vms(include_kept=True)) == sorted([dead, kept])


def test_remove_vm_never_kills_a_process_that_is_not_its_qemu(tmp_path: Path) -> None:
    folder = tmp_path / f"{vm.WORKDIR_PREFIX}x"
    folder.mkdir()
    bystander = subprocess.Popen(["sleep", "30"])
    try:
        (folder / "qemu.pid").write_text(str(bystander.pid))
        vm.remove_vm(folder)
        assert bystander.poll() is None, "remove_vm killed a process that was not the VM's qemu"
        assert not folder.exists()
    finally:
        bystander.kill()
        bystander.wait()


def test_tls_material_for_one_run(tmp_path: Path) -> None:
    files = tls.make(tmp_path / "tls")
    assert (tmp_path / "tls").stat().st_mode & 0o777 == 0o700
    assert not (tmp_path / "tls" / "ca-key.pem").exists(), "the CA key must not outlive the signing"
    with tarfile.open(files.server_bundle) as bundle:
        assert sorted(bundle.getnames()) == ["ca.pem", "server-cert.pem", "server-key.pem"]
    verify = subprocess.run(["openssl", "verify", "-CAfile", str(files.ca), str(files.cert)],
                            capture_output=True, text=True)
    assert verify.returncode == 0, verify.stderr


def test_folders_without_an_owner_are_never_taken_for_leftover_vms(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(vm.tempfile, "gettempdir", lambda: str(tmp_path))
    (tmp_path / f"{vm.WORKDIR_PREFIX}something-else").mkdir()
    assert vm.leftover_vms(include_kept=True) == []


def test_a_worker_attaches_to_the_vm_its_run_booted_and_never_stops_it(machine: vm.Vm) -> None:
    machine.workdir.mkdir()
    (machine.workdir / "engine.port").write_text("41234")
    attached = vm.Vm.attach(machine.run, Progress())
    assert (attached.url, attached.tls) == ("tcp://127.0.0.1:41234", tls.TlsFiles(machine.workdir / "tls"))
    attached.stop()
    assert machine.workdir.is_dir()


def test_attaching_where_no_vm_was_booted_says_so(machine: vm.Vm) -> None:
    with pytest.raises(vm.SwarmproofError, match="run feedf00d has no booted VM"):
        vm.Vm.attach(machine.run, Progress())


def test_a_forward_whose_port_was_taken_is_asked_again_on_a_fresh_port(machine: vm.Vm,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[str] = []
    replies = iter(["Could not set up host forwarding rule 'tcp:127.0.0.1:1-10.0.2.15:80'", ""])
    monkeypatch.setattr(machine, "monitor", lambda command: asked.append(command) or next(replies))
    port = machine.hostfwd(80)
    assert len(asked) == 2 and asked[1] == f"hostfwd_add tcp:127.0.0.1:{port}-10.0.2.15:80"


def test_a_forward_refused_every_time_is_one_error_naming_the_ports(machine: vm.Vm,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(machine, "monitor", lambda command: "Could not set up host forwarding rule")
    with pytest.raises(PortTaken, match="qemu refused to forward a loopback port to the VM's 80") as caught:
        machine.hostfwd(80)
    assert str(caught.value).count("127.0.0.1:") == vm.PORT_ATTEMPTS and "\n" not in str(caught.value)


def test_a_forward_refused_for_another_reason_is_not_retried(machine: vm.Vm, monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[str] = []
    monkeypatch.setattr(machine, "monitor", lambda command: asked.append(command) or "Invalid host forwarding rule")
    with pytest.raises(vm.SwarmproofError, match="qemu refused `hostfwd_add` to the VM's 80: Invalid host") as caught:
        machine.hostfwd(80)
    assert len(asked) == 1 and not isinstance(caught.value, PortTaken)
