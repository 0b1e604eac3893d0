"""A VM that cannot boot, or whose engine never answers, fails fast with the phase and
the console, and leaves no qemu process or disk overlay behind. These start real qemu
processes (no Docker needed)."""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

import pytest

from swarmproof import vm
from swarmproof.errors import PortTaken, SwarmproofError
from swarmproof.progress import Progress
from swarmproof.run import Run

pytestmark = pytest.mark.skipif(not vm.qemu_available(), reason="needs qemu-system-x86_64 and qemu-img")


def qemu_processes(workdir: Path) -> list[str]:
    found = subprocess.run(["pgrep", "-af", str(workdir)], capture_output=True, text=True).stdout
    return [line for line in found.splitlines() if "qemu-system" in line]


@pytest.fixture
def isolated_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(vm.tempfile, "gettempdir", lambda: str(tmp_path))
    return tmp_path


def broken_image(folder: Path) -> Path:
    """A kernel qemu cannot boot: qemu exits at once, after setting up its port forward."""
    folder.mkdir()
    (folder / "vmlinuz").write_bytes(b"not a kernel")
    (folder / "initrd.img").write_bytes(b"not an initrd")
    subprocess.run(["truncate", "-s", "64M", str(folder / "root.raw")], check=True)
    return folder


def test_a_kernel_that_cannot_boot_fails_at_once_with_qemu_and_console(isolated_tmp: Path) -> None:
    machine = vm.Vm(Run(), broken_image(isolated_tmp / "image"), Progress(), timeout=60)
    started = time.monotonic()
    with pytest.raises(SwarmproofError, match="qemu exited with code"):
        machine.__enter__()
    assert time.monotonic() - started < 30
    assert not machine.workdir.exists(), "the overlay and TLS files must go with a failed boot"
    assert not qemu_processes(machine.workdir)


def test_an_engine_that_never_answers_names_the_phase_and_shows_the_console(isolated_tmp: Path) -> None:
    image = vm.VmImage(Progress())
    cached = [p for p in (image.folder.parent.glob("*/root.raw") if image.folder.parent.exists() else [])]
    if not cached:
        pytest.skip("needs a built VM image (made by the first VM-engine run or bench/vm.py)")
    machine = vm.Vm(Run(), cached[0].parent, Progress(), timeout=4)
    with pytest.raises(SwarmproofError) as caught:
        machine.__enter__()
    message = str(caught.value)
    assert "waiting for the VM's dockerd to answer over TLS" in message
    assert "relevant log lines:" in message and "the VM console is" in message
    assert not machine.workdir.exists()
    assert not qemu_processes(machine.workdir)


def test_a_taken_engine_port_is_traded_for_a_fresh_one(isolated_tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        port = taken.getsockname()[1]
        ports = iter([port])
        real = vm.free_loopback_port
        monkeypatch.setattr(vm, "free_loopback_port", lambda: next(ports, None) or real())
        said: list[str] = []
        machine = vm.Vm(Run(), broken_image(isolated_tmp / "image"), Progress(said.append), timeout=60)
        with pytest.raises(SwarmproofError, match="qemu exited with code") as caught:
            machine.__enter__()
    assert not isinstance(caught.value, PortTaken), "the second port was free: qemu got past its forward"
    assert any(f"127.0.0.1:{port} was taken" in line and "another port" in line
               for line in said), said
    assert not machine.workdir.exists() and not qemu_processes(machine.workdir)


def test_a_port_that_stays_taken_is_one_line_fast_and_leaves_nothing(isolated_tmp: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        monkeypatch.setattr(vm, "free_loopback_port", lambda: taken.getsockname()[1])
        machine = vm.Vm(Run(), broken_image(isolated_tmp / "image"), Progress(), timeout=60)
        started = time.monotonic()
        with pytest.raises(PortTaken, match="was taken before qemu could listen on it") as caught:
            machine.__enter__()
    assert time.monotonic() - started < 30
    assert "\n" not in str(caught.value) and "tried 3 fresh ports" in str(caught.value)
    assert not machine.workdir.exists() and not qemu_processes(machine.workdir)
