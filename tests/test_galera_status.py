from __future__ import annotations

import pytest

from swarmproof.galera import most_advanced, parse_status, state_transfer, unhealthy

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
