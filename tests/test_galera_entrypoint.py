"""The Galera entrypoint's election rule (``not_yet_mine``), run by bash with the
members' positions as etcd would list them: who may bootstrap, and why the others wait."""

from __future__ import annotations

import shlex
import subprocess
from pathlib import Path

ENTRYPOINT = Path(__file__).resolve().parent.parent / "infra" / "images" / "galera" / "entrypoint.sh"
ENV = {"MYSQL_ROOT_PASSWORD": "x", "XTRABACKUP_PASSWORD": "y", "DISCOVERY_SERVICE": "etcd:2379",
       "PATH": "/usr/bin:/bin"}
UUID_A, UUID_B, UUID_C = "aaaa-1", "bbbb-2", "cccc-3"


def why_not(positions: list[str], me: str, seqno: int, view: tuple[str, ...] = (), gone: tuple[str, ...] = ()) -> str:
    """What the member at ``me`` says when it may not bootstrap (empty: it may); ``gone``:
    the members whose data died with their container, as etcd lists them."""
    listed = " ".join(shlex.quote(line) for line in positions) or "''"
    script = (f"source {shlex.quote(str(ENTRYPOINT))}\n"
              f"positions() {{ printf '%s\\n' {listed}; }}\n"
              f"gone_members() {{ printf '%s\\n' {' '.join(gone) or chr(39) * 2}; }}\n"
              f"VIEW={shlex.quote(' '.join(view))} MY_ADDRESS={me} SEQNO={seqno}\n"
              "not_yet_mine\n")
    done = subprocess.run(["bash", "-c", script], env=ENV, capture_output=True, text=True, timeout=10, check=True)
    return done.stdout.strip()


def test_on_a_fresh_deployment_the_lowest_address_bootstraps() -> None:
    fresh = ["5::10.0.1.4", "5::10.0.1.3", "5::10.0.1.5"]
    assert why_not(fresh, "10.0.1.3", 5) == ""
    assert why_not(fresh, "10.0.1.5", 5) == "10.0.1.3 goes first (the same seqno, 5, and a lower address)"


def test_the_most_advanced_member_bootstraps_whatever_its_address() -> None:
    cold = [f"41:{UUID_A}:10.0.1.3", f"44:{UUID_B}:10.0.1.9", f"43:{UUID_C}:10.0.1.4"]
    view = (UUID_A, UUID_B, UUID_C)
    assert why_not(cold, "10.0.1.9", 44, view) == ""
    assert why_not(cold, "10.0.1.3", 41, view) == "10.0.1.9 holds more of the history (seqno 44; ours 41)"


def test_nobody_bootstraps_before_every_member_of_the_saved_component_has_spoken() -> None:
    two = [f"44:{UUID_A}:10.0.1.3", f"41:{UUID_B}:10.0.1.9"]
    said = why_not(two, "10.0.1.3", 44, (UUID_A, UUID_B, UUID_C))
    assert said == f"waiting for {UUID_C}, a member of the last Primary component, to say where it stands"


def test_nobody_bootstraps_while_a_member_still_recovers_its_position() -> None:
    recovering = ["44::10.0.1.3", "?::10.0.1.9"]
    assert why_not(recovering, "10.0.1.3", 44) == "waiting for 10.0.1.9 to recover its position"


def test_a_member_without_a_saved_component_does_not_outrank_the_history_of_others() -> None:
    # A second member on a node keeps the baked datadir (seqno 5): it never wins against a
    # member that holds the cluster's history.
    mixed = ["5::10.0.1.2", f"44:{UUID_A}:10.0.1.3"]
    assert why_not(mixed, "10.0.1.2", 5) == "10.0.1.3 holds more of the history (seqno 44; ours 5)"


def test_a_member_whose_data_died_with_its_container_is_not_waited_for() -> None:
    # It ran as a second member on a node, its datadir in its container: after the power
    # loss nothing of it can come back.
    two = [f"44:{UUID_A}:10.0.1.3", f"41:{UUID_B}:10.0.1.9"]
    assert why_not(two, "10.0.1.3", 44, (UUID_A, UUID_B, UUID_C), gone=(UUID_C,)) == ""
