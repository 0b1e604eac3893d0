from __future__ import annotations

import pytest

from swarmproof.engine import choose
from swarmproof.errors import SwarmproofError


def test_auto_keeps_the_local_engine_when_its_kernel_has_ip_vs() -> None:
    assert choose("auto", local_ip_vs=True, qemu=True).kind == "local"


def test_auto_brings_a_vm_when_the_local_kernel_lacks_ip_vs() -> None:
    choice = choose("auto", local_ip_vs=False, qemu=True)
    assert choice.kind == "vm" and "no ip_vs" in choice.reason


def test_auto_without_qemu_stays_local_and_says_what_is_skipped() -> None:
    choice = choose("auto", local_ip_vs=False, qemu=False)
    assert choice.kind == "local"
    assert "skipped" in choice.reason and "install qemu" in choice.reason


def test_explicit_choices_are_obeyed() -> None:
    assert choose("local", local_ip_vs=False, qemu=True).kind == "local"
    assert choose("vm", local_ip_vs=True, qemu=True).kind == "vm"


def test_vm_without_qemu_is_one_line_with_what_to_install() -> None:
    with pytest.raises(SwarmproofError, match="--engine vm needs qemu") as caught:
        choose("vm", local_ip_vs=None, qemu=False)
    assert "apt-get install qemu-system-x86 qemu-utils" in caught.value.hint
