from __future__ import annotations

from swarmproof.galera import parse_status, unhealthy

SYNCED = ("wsrep_cluster_size\t3\nwsrep_cluster_status\tPrimary\nwsrep_local_state_comment\tSynced\n"
          "wsrep_ready\tON\nwsrep_connected\tON\nwsrep_cluster_state_uuid\tabc\n")


def test_a_synced_member_of_three_is_healthy() -> None:
    assert unhealthy(parse_status(SYNCED), 3) == {}


def test_what_is_wrong_is_named() -> None:
    status = parse_status(SYNCED.replace("Primary", "non-Primary").replace("size\t3", "size\t1"))
    assert unhealthy(status, 3) == {"wsrep_cluster_status": "non-Primary", "wsrep_cluster_size": "1"}


def test_missing_fields_count_as_unhealthy() -> None:
    assert unhealthy({}, 3)["wsrep_ready"] == "?"
