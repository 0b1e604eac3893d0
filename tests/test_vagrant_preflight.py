"""The vagrant provider's bad input: each miss is a usage error in one line, before anything is
made. Vagrant, virsh and qemu are stand-in scripts here (only what they answer matters); the
Vagrantfile check runs the real `vagrant validate` where Vagrant is installed."""

from __future__ import annotations

import os
import re
import shutil
import time
from pathlib import Path

import pytest

from swarmproof.errors import SwarmproofError
from swarmproof.providers import vagrant_checks
from swarmproof.providers.vagrant_checks import check_qemu_conf

OUR_PATH = os.environ.get("PATH", os.defpath)  # before a test replaces it
PLUGINS = "vagrant-libvirt (0.11.2, system)"
POOL_RUNNING = 'case "$*" in *pool-info*) echo "State:          running";; esac; exit 0'
NO_SOCKET = ("error: failed to connect to the hypervisor\n"
             "error: Failed to connect socket to '/var/run/libvirt/libvirt-sock': No such file or directory")


def stand_in(folder: Path, name: str, script: str) -> None:
    path = folder / name
    path.write_text(f"#!/bin/sh\n{script}\n")
    path.chmod(0o755)


@pytest.fixture
def tools(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A PATH of stand-ins that all answer well; a test breaks one of them."""
    folder = tmp_path / "bin"
    folder.mkdir()
    stand_in(folder, "vagrant", f'[ "$1" = plugin ] && echo "{PLUGINS}"; exit 0')
    stand_in(folder, "virsh", POOL_RUNNING)
    stand_in(folder, "qemu-system-x86_64", "exit 0")
    monkeypatch.setenv("PATH", str(folder))
    conf = tmp_path / "qemu.conf"
    conf.write_text('user = "root"\ngroup = "root"\nsecurity_driver = "none"\n')
    monkeypatch.setattr(vagrant_checks, "QEMU_CONF", conf)
    return folder


def refused(pytester: pytest.Pytester, *options: str) -> pytest.RunResult:
    started = time.monotonic()
    result = pytester.runpytest("--provider", "vagrant", *options)
    assert result.ret == pytest.ExitCode.USAGE_ERROR, result.stdout.str() + result.stderr.str()
    assert time.monotonic() - started < 20
    return result


@pytest.mark.parametrize(("options", "expected"), [
    (["--engine", "vm"], "*--engine=vm does not apply to the vagrant provider (it takes auto or local)*"),
    (["--keep-cluster"], "*--keep-cluster and --reuse-cluster do not apply to the vagrant provider: "
                         "its hosts are destroyed*"),
    (["-n", "2"], "*the vagrant provider does not run under pytest-xdist yet*"),
    (["--vagrantfile", "/nowhere/Vagrantfile"], "*--vagrantfile=/nowhere/Vagrantfile: no such file*"),
])
def test_options_the_vagrant_provider_cannot_honour_are_usage_errors(
        pytester: pytest.Pytester, tools: Path, options: list[str], expected: str) -> None:
    refused(pytester, *options).stderr.fnmatch_lines([expected])


def test_a_vagrantfile_without_the_vagrant_provider_is_a_usage_error(pytester: pytest.Pytester) -> None:
    (pytester.path / "Vagrantfile").write_text("")
    result = pytester.runpytest("--vagrantfile", str(pytester.path / "Vagrantfile"))
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--vagrantfile is for --provider vagrant*"])


@pytest.mark.parametrize(("missing", "expected"), [
    ("vagrant", "*--provider vagrant: vagrant is not installed (install Vagrant and its libvirt provider*"),
    ("virsh", "*virsh (libvirt's client) is not installed*"),
    ("qemu-system-x86_64", "*qemu-system-x86_64 (libvirt runs the hosts with it) is not installed*"),
])
def test_a_missing_tool_is_named(pytester: pytest.Pytester, tools: Path, missing: str, expected: str) -> None:
    (tools / missing).unlink()
    refused(pytester).stderr.fnmatch_lines([expected])


def test_vagrant_without_its_libvirt_provider_is_said(pytester: pytest.Pytester, tools: Path) -> None:
    stand_in(tools, "vagrant", "echo 'No plugins installed.'")
    refused(pytester).stderr.fnmatch_lines(["*vagrant has no libvirt provider (vagrant-libvirt)*"])


@pytest.mark.parametrize(("answer", "expected"), [
    (NO_SOCKET, "*libvirtd does not answer at qemu:///system: error: Failed to connect socket*start it:*"),
    ("error: Failed to connect socket to '/var/run/libvirt/libvirt-sock': Permission denied",
     "*libvirtd refuses this user at qemu:///system*run as root*"),
])
def test_a_libvirtd_that_does_not_answer_is_told_from_one_that_refuses(
        pytester: pytest.Pytester, tools: Path, answer: str, expected: str) -> None:
    stand_in(tools, "virsh", f"echo \"{answer}\" >&2; exit 1")
    refused(pytester).stderr.fnmatch_lines([expected])


@pytest.mark.parametrize(("answer", "expected"), [
    ('echo "error: no pool" >&2; exit 1', "*libvirt has no storage pool 'default'*infra/vagrant/setup.sh*"),
    ('echo "State:          inactive"', "*libvirt's storage pool 'default' is not running*pool-start default*"),
])
def test_a_storage_pool_missing_or_stopped_is_said(pytester: pytest.Pytester, tools: Path, answer: str,
                                                  expected: str) -> None:
    stand_in(tools, "virsh", f'case "$*" in *pool-info*) {answer};; esac; exit 0')
    refused(pytester).stderr.fnmatch_lines([expected])


@pytest.mark.parametrize(("text", "expected"), [
    ('Vagrant.configure("2") do |config|\n  oops(\n', "*Vagrantfile:2: syntax error*"),
    ('Vagrant.configure("2") do |config|\n  config.vm.boxx = "x"\nend\n',
     "*does not validate: The following settings shouldn't exist: boxx*"),
])
def test_a_vagrantfile_that_does_not_parse_is_one_line(pytester: pytest.Pytester, tools: Path,
                                                       monkeypatch: pytest.MonkeyPatch, text: str,
                                                       expected: str) -> None:
    real = shutil.which("vagrant", path=OUR_PATH)
    if real is None:
        pytest.skip("Vagrant is not installed here: `vagrant validate` of a broken Vagrantfile needs it "
                    "(bash infra/vagrant/setup.sh installs it)")
    (tools / "vagrant").unlink()
    stand_in(tools, "vagrant", f'[ "$1" = plugin ] && echo "{PLUGINS}" && exit 0; exec {real} "$@"')
    monkeypatch.setenv("PATH", f"{tools}:{OUR_PATH}")  # docker too: the stack file is checked first
    bad = pytester.path / "Vagrantfile"
    bad.write_text(text)
    refused(pytester, "--vagrantfile", str(bad)).stderr.fnmatch_lines([expected])


@pytest.mark.parametrize(("text", "wrong"), [
    ('#user = "root"\nuser = "libvirt-qemu"\ngroup = "root"\nsecurity_driver = "none"\n', 'user = libvirt-qemu'),
    ('user = "root"\ngroup = "root"\n', "security_driver = (unset)"),
    ('user = "libvirt-qemu"\nuser = "root"\ngroup = "root"\nsecurity_driver = "none"\n', "user = libvirt-qemu"),
])
def test_qemu_run_so_that_it_cannot_read_the_boxs_kernel_is_said(tmp_path: Path, text: str, wrong: str) -> None:
    conf = tmp_path / "qemu.conf"
    conf.write_text(text)
    said = rf"^libvirt's qemu cannot read the box's kernel: {conf} has .*{re.escape(wrong)}"
    with pytest.raises(SwarmproofError, match=said):
        check_qemu_conf(conf)


def test_qemu_as_root_without_a_security_driver_passes(tmp_path: Path) -> None:
    conf = tmp_path / "qemu.conf"
    conf.write_text('# user = "qemu"\nuser = "root"\ngroup = "root"\nsecurity_driver = "none"\n')
    check_qemu_conf(conf)
    check_qemu_conf(tmp_path / "absent.conf")  # no libvirt configuration to read: libvirtd's own answer decides


def test_a_box_that_is_missing_and_cannot_be_built_here_is_said_before_the_images(
        pytester: pytest.Pytester, tools: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SWARMPROOF_CACHE", str(tmp_path / "empty-cache"))  # no box built there
    refused(pytester).stderr.fnmatch_lines(["*the Vagrant box swarmproof-* is not built, and cannot build the "
                                            "Vagrant box here: it needs root, debootstrap*"])
