"""Secrets show as '***' wherever they are repr'd (tracebacks, assertion messages), and
are themselves wherever they are used."""

from __future__ import annotations

import subprocess
import sys
from urllib.parse import urlencode

from swarmproof.deployment import Passwords
from swarmproof.secret import Secret


def test_a_secret_never_prints_itself() -> None:
    password = Secret("hunter2-s3cret")
    shown = [repr(password), f"{password!r}", repr({"pwd": password}), repr(Passwords())]
    assert not any("hunter2" in text for text in shown), shown


def test_a_secret_is_its_value_where_it_is_used() -> None:
    password = Secret("hunter2-s3cret")
    assert password.value == "hunter2-s3cret" and password == "hunter2-s3cret"
    assert password.encode() == b"hunter2-s3cret"
    assert urlencode({"pwd": password}) == "pwd=hunter2-s3cret"
    child = subprocess.run([sys.executable, "-c", "import os; print(os.environ['P'])"], env={"P": password},
                           capture_output=True, text=True, check=True)
    assert child.stdout.strip() == "hunter2-s3cret"


def test_passwords_are_generated_per_run() -> None:
    first, second = Passwords(), Passwords()
    assert first.root.value != second.root.value and len(first.root.value) >= 24
