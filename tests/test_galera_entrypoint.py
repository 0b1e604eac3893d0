"""The Galera entrypoint's election, run by bash with etcd faked: the rule (``not_yet_mine``,
the members' positions as etcd would list them: who may bootstrap, and why the others wait)
and the UUID notes a member leaves on its node."""

from __future__ import annotations

import os
import shlex
import subprocess
from pathlib import Path

ENTRYPOINT = Path(__file__).resolve().parent.parent / "infra" / "images" / "galera" / "entrypoint.sh"
ENV = {"MYSQL_ROOT_PASSWORD": "x", "XTRABACKUP_PASSWORD": "y", "DISCOVERY_SERVICE": "etcd:2379",
       "PATH": "/usr/bin:/bin"}
UUID_A, UUID_B, UUID_C = "aaaa-1", "bbbb-2", "cccc-3"


def why_not(positions: list[str], me: str, seqno: int, view: tuple[str, ...] = (), gone: tuple[str, ...] = (),
            may: int = 0) -> str:
    """What the member at ``me`` says when it may not bootstrap (empty: it may); ``gone``:
    the members whose data died with their container, as etcd lists them; ``may``: 0 where
    Galera would let this datadir bootstrap. Positions read ``seqno:may:uuids:address``."""
    listed = " ".join(shlex.quote(line) for line in positions) or "''"
    script = (f"source {shlex.quote(str(ENTRYPOINT))}\n"
              f"positions() {{ printf '%s\\n' {listed}; }}\n"
              f"gone_members() {{ printf '%s\\n' {' '.join(gone) or chr(39) * 2}; }}\n"
              f"VIEW={shlex.quote(' '.join(view))} MY_ADDRESS={me} SEQNO={seqno} MAY={may}\n"
              "not_yet_mine\n")
    done = subprocess.run(["bash", "-c", script], env=ENV, capture_output=True, text=True, timeout=10, check=True)
    return done.stdout.strip()


def test_on_a_fresh_deployment_the_lowest_address_bootstraps() -> None:
    fresh = ["5:0::10.0.1.4", "5:0::10.0.1.3", "5:0::10.0.1.5"]
    assert why_not(fresh, "10.0.1.3", 5) == ""
    assert why_not(fresh, "10.0.1.5", 5) == "10.0.1.3 goes first (the same seqno, 5)"


def test_the_most_advanced_member_bootstraps_whatever_its_address() -> None:
    cold = [f"41:0:{UUID_A}:10.0.1.3", f"44:0:{UUID_B}:10.0.1.9", f"43:0:{UUID_C}:10.0.1.4"]
    view = (UUID_A, UUID_B, UUID_C)
    assert why_not(cold, "10.0.1.9", 44, view) == ""
    assert why_not(cold, "10.0.1.3", 41, view) == "10.0.1.9 holds more of the history (seqno 44; ours 41)"


def test_nobody_bootstraps_before_every_member_of_the_saved_component_has_spoken() -> None:
    two = [f"44:0:{UUID_A}:10.0.1.3", f"41:0:{UUID_B}:10.0.1.9"]
    said = why_not(two, "10.0.1.3", 44, (UUID_A, UUID_B, UUID_C))
    assert said == f"waiting for {UUID_C}, a member of the last Primary component, to say where it stands"


def test_nobody_bootstraps_while_a_member_still_recovers_its_position() -> None:
    recovering = ["44:0::10.0.1.3", "?:0::10.0.1.9"]
    assert why_not(recovering, "10.0.1.3", 44) == "waiting for 10.0.1.9 to recover its position"


def test_a_member_without_a_saved_component_does_not_outrank_the_history_of_others() -> None:
    # A second member on a node keeps the baked datadir (seqno 5): it never wins against a
    # member that holds the cluster's history.
    mixed = ["5:0::10.0.1.2", f"44:0:{UUID_A}:10.0.1.3"]
    assert why_not(mixed, "10.0.1.2", 5) == "10.0.1.3 holds more of the history (seqno 44; ours 5)"


def test_a_member_whose_data_died_with_its_container_is_not_waited_for() -> None:
    # It ran as a second member on a node, its datadir in its container: after the power
    # loss nothing of it can come back.
    two = [f"44:0:{UUID_A}:10.0.1.3", f"41:0:{UUID_B}:10.0.1.9"]
    assert why_not(two, "10.0.1.3", 44, (UUID_A, UUID_B, UUID_C), gone=(UUID_C,)) == ""


def test_a_member_saved_under_an_earlier_run_s_uuid_has_spoken_through_its_datadir() -> None:
    # C went down while A's first run was in the component; A's datadir has run again since
    # (a new UUID): it names both.
    cold = [f"40:0:{UUID_C}:10.0.1.2", f"40:0:{UUID_A},aaaa-9:10.0.1.3", f"40:0:{UUID_B}:10.0.1.9"]
    assert why_not(cold, "10.0.1.2", 40, (UUID_A, UUID_B, UUID_C)) == ""


def test_after_a_clean_stop_of_every_member_the_one_that_left_last_bootstraps() -> None:
    # The same seqno everywhere; only the last to leave has safe_to_bootstrap: 1.
    clean = ["40:1::10.0.1.2", "40:0::10.0.1.3", "40:1::10.0.1.9"]
    assert why_not(clean, "10.0.1.3", 40) == ""
    assert why_not(clean, "10.0.1.2", 40, may=1) == "10.0.1.3 goes first (the same seqno, 40)"


def test_a_member_galera_would_not_bootstrap_waits_even_when_it_holds_the_most() -> None:
    alone = ["44:1::10.0.1.2", "5:0::10.0.1.3"]
    said = why_not(alone, "10.0.1.2", 44, may=1)
    assert said.startswith("Galera would not bootstrap from here (safe_to_bootstrap: 0")
    assert why_not(alone, "10.0.1.3", 5) == "10.0.1.2 holds more of the history (seqno 44; ours 5)"


def test_a_datadir_on_the_node_s_volume_speaks_for_its_earlier_runs(tmp_path: Path) -> None:
    pool = tmp_path / "galera"
    (pool / "data").mkdir(parents=True)
    (pool / "uuids").write_text(f"{UUID_A}\naaaa-9\n")
    (pool / "data" / "gvwstate.dat").write_text(f"my_uuid: aaaa-9\n#vwbeg\nmember: aaaa-9 0\nmember: {UUID_B} 0\n")
    (pool / "data" / "grastate.dat").write_text("uuid: x\nseqno: -1\nsafe_to_bootstrap: 0\n")
    script = (f"source {shlex.quote(str(ENTRYPOINT))}\n"
              f"POOL={shlex.quote(str(pool))} DATADIR={shlex.quote(str(pool / 'data'))}\n"
              'saved_view; may_bootstrap; echo "$MY_UUIDS|$VIEW|$MAY"\n')
    done = subprocess.run(["bash", "-c", script], env=ENV, capture_output=True, text=True, timeout=10, check=True)
    assert done.stdout.strip() == f"{UUID_A},aaaa-9|aaaa-9 {UUID_B} |0"


def test_a_member_without_a_datadir_on_the_volume_notes_its_uuid_and_keeps_the_newest_20(tmp_path: Path) -> None:
    pool, datadir = tmp_path / "pool", tmp_path / "baked"
    (pool / "ephemeral").mkdir(parents=True)
    datadir.mkdir()
    (datadir / "gvwstate.dat").write_text("my_uuid: dddd-4\n")
    for n in range(25):  # older notes, oldest first
        note = pool / "ephemeral" / f"old-{n}"
        note.touch()
        os.utime(note, (1_000_000 + n, 1_000_000 + n))
    script = (f"source {shlex.quote(str(ENTRYPOINT))}\n"
              f"POOL={shlex.quote(str(pool))} BAKED={shlex.quote(str(datadir))} DATADIR=$BAKED SERVER=$$ REFRESH=0\n"
              "note_uuid\n")
    subprocess.run(["bash", "-c", script], env=ENV, capture_output=True, text=True, timeout=10, check=True)
    kept = {note.name for note in (pool / "ephemeral").iterdir()}
    assert kept == {"dddd-4"} | {f"old-{n}" for n in range(6, 25)}
