from __future__ import annotations

import pytest

from swarmproof.galera import (
    Hopeless,
    Restart,
    most_advanced,
    parse_status,
    separate_clusters,
    state_transfer,
    unhealthy,
)

SYNCED = ("wsrep_cluster_size\t3\nwsrep_cluster_status\tPrimary\nwsrep_local_state_comment\tSynced\n"
          "wsrep_ready\tON\nwsrep_connected\tON\nwsrep_cluster_state_uuid\tabc\n")


def test_a_synced_member_of_three_is_healthy() -> None:
    assert unhealthy(parse_status(SYNCED), 3) == {}


def test_what_is_wrong_is_named() -> None:
    status = parse_status(SYNCED.replace("Primary", "non-Primary").replace("size\t3", "size\t1"))
    assert unhealthy(status, 3) == {"wsrep_cluster_status": "non-Primary", "wsrep_cluster_size": "1"}


def test_missing_fields_count_as_unhealthy() -> None:
    assert unhealthy({}, 3)["wsrep_ready"] == "?"


def test_recovery_bootstraps_the_member_that_committed_most() -> None:
    statuses = {
        "a": {"wsrep_cluster_status": "non-Primary", "wsrep_last_committed": "41"},
        "b": {"wsrep_cluster_status": "non-Primary", "wsrep_last_committed": "57"},
        "c": {"wsrep_cluster_status": "non-Primary", "wsrep_last_committed": "-1"},
    }
    assert most_advanced(statuses) == "b"


def test_recovery_refuses_when_no_member_holds_state() -> None:
    statuses = {"a": {"wsrep_cluster_status": "Primary", "wsrep_last_committed": "9"},
                "c": {"wsrep_cluster_status": "non-Primary", "wsrep_last_committed": "-1"}}
    with pytest.raises(LookupError, match=r"no non-Primary member holding state to bootstrap from: "
                                          r"\{'a': 'Primary', 'c': 'non-Primary'\}"):
        most_advanced(statuses)


JOINED = ("State transfer required:\n\tGroup state: 88b8-11f1:18\n\tLocal state: {local}\n"
          "WSREP_SST: [INFO] mariabackup SST started on joiner\n"
          "[Note] WSREP: SST received: {received}\n[Note] WSREP: IST received: 88b8-11f1:18\n")


def test_a_joiner_from_the_baked_history_received_write_sets_only() -> None:
    assert state_transfer(JOINED.format(local="88b8-11f1:3", received="88b8-11f1:3")) == "IST"


def test_a_joiner_whose_position_the_sst_moved_received_a_datadir() -> None:
    log = JOINED.format(local="00000000-0000:-1", received="88b8-11f1:19")
    assert state_transfer(log) == "SST"


def test_a_member_that_needed_no_transfer_says_so() -> None:
    assert state_transfer("[Note] WSREP: Shifting JOINED -> SYNCED (TO: 4)\n") == "none"


def member(state: str, *addresses: str) -> dict[str, str]:
    return {"wsrep_cluster_status": state, "wsrep_incoming_addresses": ",".join(addresses)}


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


A, B, C = "10.0.1.3:3306", "10.0.1.4:3306", "10.0.1.5:3306"


def test_two_primary_components_that_share_no_member_are_separate_clusters() -> None:
    statuses = {"a": member("Primary", A), "b": member("Primary", B, C), "c": member("Primary", B, C)}
    assert separate_clusters(statuses) == [frozenset({A}), frozenset({B, C})]


def test_views_of_one_cluster_overlap_while_a_member_joins() -> None:
    statuses = {"a": member("Primary", A, B), "b": member("Primary", A, B, C), "c": member("non-Primary")}
    assert separate_clusters(statuses) == []


def test_separate_clusters_are_named_when_seen_twice_in_a_row() -> None:
    hopeless = Hopeless(lost_after=60.0, clock=Clock())
    apart = {"a": member("Primary", A), "b": member("Primary", B, C), "c": member("Primary", B, C)}
    joining = {"a": member("Primary", A, B), "b": member("Primary", A, B), "c": {}}
    assert hopeless.verdict(apart) == ""
    assert hopeless.verdict(joining) == ""
    assert hopeless.verdict(apart) == ""
    assert "2 separate clusters" in hopeless.verdict(apart)


def test_no_member_primary_for_long_enough_is_a_lost_quorum() -> None:
    clock = Clock()
    hopeless = Hopeless(lost_after=60.0, clock=clock)
    lost = {name: member("non-Primary") for name in "abc"}
    assert hopeless.verdict(lost) == ""
    clock.now = 59.0
    assert hopeless.verdict(lost) == ""
    clock.now = 61.0
    assert "lost its quorum" in hopeless.verdict(lost)


def test_members_not_answering_count_neither_way() -> None:
    clock = Clock()
    hopeless = Hopeless(lost_after=60.0, clock=clock)
    hopeless.verdict({name: member("non-Primary") for name in "abc"})
    clock.now = 40.0
    assert hopeless.verdict({"a": member("non-Primary"), "b": {}, "c": {}}) == ""  # replacements restarting
    clock.now = 61.0
    assert "lost its quorum" in hopeless.verdict({"a": member("non-Primary"), "b": {}, "c": {}})


def test_a_primary_member_restarts_the_count() -> None:
    clock = Clock()
    hopeless = Hopeless(lost_after=60.0, clock=clock)
    lost = {name: member("non-Primary") for name in "abc"}
    hopeless.verdict(lost)
    clock.now = 40.0
    assert hopeless.verdict({**lost, "c": member("Primary", C)}) == ""
    clock.now = 80.0
    assert hopeless.verdict(lost) == ""
    clock.now = 141.0
    assert "lost its quorum" in hopeless.verdict(lost)


def test_nobody_answering_is_no_verdict() -> None:
    assert Hopeless(lost_after=0.0, clock=Clock()).verdict({"a": {}, "b": {}}) == ""


def test_overlapping_views_are_one_cluster_beside_a_separate_one() -> None:
    statuses = {"a": member("Primary", A), "b": member("Primary", B, C), "c": member("Primary", B, C, "10.0.1.6:3306")}
    assert separate_clusters(statuses) == [frozenset({A}), frozenset({B, C, "10.0.1.6:3306"})]


def test_a_datadir_from_another_history_at_the_same_seqno_is_an_sst() -> None:
    assert state_transfer(JOINED.format(local="11aa-22bb:3", received="88b8-11f1:3")) == "SST"


RESTART_LOG = """\
galera_mysql-galera.1.a@docker1    | galera-entrypoint: recovered position 6f1e-aa:41 after a crash
galera_mysql-galera.2.b@docker2    | galera-entrypoint: recovered position 6f1e-aa:44 after a crash
galera_mysql-galera.3.c@docker3    | galera-entrypoint: recovered position 6f1e-aa:44 after a crash
galera_mysql-galera.1.a@docker1    | galera-entrypoint: not bootstrapping: 10.0.1.7 holds more of the history
galera_mysql-galera.2.b@docker2    | galera-entrypoint: won the bootstrap election: starting a new cluster
"""


def test_a_restart_bootstrapped_from_the_most_advanced_member_is_right() -> None:
    restart = Restart.parse(RESTART_LOG)
    assert restart.bootstrappers == ("galera_mysql-galera.2.b@docker2",)
    assert restart.recovered["galera_mysql-galera.1.a@docker1"] == 41
    assert restart.from_behind() == ""


def test_a_restart_bootstrapped_from_behind_says_who_held_more() -> None:
    log = RESTART_LOG.replace("2.b@docker2    | galera-entrypoint: won", "1.a@docker1    | galera-entrypoint: won")
    assert "bootstrapped at seqno 41 while another member held 44" in Restart.parse(log).from_behind()


def test_a_restart_with_two_bootstrappers_or_none_is_wrong() -> None:
    twice = RESTART_LOG + "galera_mysql-galera.3.c@docker3    | galera-entrypoint: won the bootstrap election\n"
    assert "exactly one" in Restart.parse(twice).from_behind()
    assert "got []" in Restart.parse("").from_behind()
