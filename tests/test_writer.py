"""The writer's books and the watch's verdicts, without a database."""

from __future__ import annotations

from collections import Counter

import pytest

from swarmproof.asserts import assert_no_write_lost
from swarmproof.overlay_writer import SCRIPT, parse
from swarmproof.secret import Secret
from swarmproof.watch import Sample, Watch
from swarmproof.writer import Ledger, MeshWriter, create_table, select_ids


def test_lost_ids_are_acknowledged_ids_a_member_lacks() -> None:
    ledger = Ledger(attempted=6, acknowledged={1, 2, 4, 5})
    assert ledger.lost([1, 2, 3, 4, 5]) == []
    assert ledger.lost([1, 5]) == [2, 4]


def test_the_summary_counts_and_names_the_commonest_errors() -> None:
    ledger = Ledger(attempted=5, acknowledged={1, 2}, errors=Counter({"OperationalError: (2003, refused)": 3}))
    assert ledger.summary(lost=0) == ("attempted 5, acknowledged 2, lost 0 "
                                      "(errors: 3x OperationalError: (2003, refused))")


def test_the_table_has_a_primary_key_and_reads_are_causal() -> None:
    assert "id INT PRIMARY KEY" in create_table("t") and "ENGINE=InnoDB" in create_table("t")
    assert select_ids("t").startswith("SET SESSION wsrep_sync_wait = 1;")


def test_a_watch_reports_errors_and_bad_values_as_failures() -> None:
    watch: Watch[str] = Watch("status", lambda: "Primary")
    watch.samples = [Sample(0.0, "Primary"), Sample(1.0, "non-Primary"), Sample(2.0, None, "OSError: gone")]
    failed = watch.failures(lambda value: value == "Primary")
    assert [s.at for s in failed] == [1.0, 2.0]
    assert watch.describe(failed) == "2 of 3 samples of status: at 1.0s: 'non-Primary'; at 2.0s: OSError: gone"


def test_a_watch_samples_until_stopped() -> None:
    seen = iter(range(1000))
    with Watch("counter", lambda: next(seen), interval=0.01) as watch:
        while len(watch.samples) < 3:
            pass
    count = len(watch.samples)
    assert [s.value for s in watch.samples[:3]] == [0, 1, 2]
    assert len(watch.samples) == count


def test_no_write_lost_passes_records_and_fails_naming_what_is_missing() -> None:
    recorded: dict[str, object] = {}
    ledger = Ledger(attempted=4, acknowledged={1, 2, 3})
    assert_no_write_lost(ledger, {"m1": [1, 2, 3], "m2": [1, 2, 3, 4]}, recorded.__setitem__)
    assert recorded == {"writes_attempted": 4, "writes_acknowledged": 3, "writes_lost": 0, "writes_path": ""}
    with pytest.raises(AssertionError, match=r"acknowledged writes lost: .*lost 2.*m2 lacks \[1, 3\]"):
        assert_no_write_lost(ledger, {"m1": [1, 2, 3], "m2": [2]})


def test_a_writer_with_nothing_acknowledged_proves_nothing() -> None:
    with pytest.raises(AssertionError, match="the writer had no insert acknowledged"):
        assert_no_write_lost(Ledger(attempted=9), {"m1": []})


def test_a_writer_counts_a_refused_insert_as_attempted_not_acknowledged() -> None:
    with MeshWriter(lambda: [("127.0.0.1", 1)], Secret("unused"), "t", interval=0.01) as writer:
        while writer.ledger.attempted < 2:
            pass
    ledger = writer.stop()
    assert ledger.attempted >= 2 and not ledger.acknowledged
    assert sum(ledger.errors.values()) == ledger.attempted
    assert all(error.startswith("OperationalError") for error in ledger.errors)


def test_a_writer_with_every_node_down_waits_for_one_and_goes_on() -> None:
    """A power cut takes every node: no endpoint to try is no attempt, and the writer lives on."""
    endpoints: list[tuple[str, int]] = []
    asked = Counter[str]()

    def live() -> list[tuple[str, int]]:
        asked["endpoints"] += 1
        return list(endpoints)

    with MeshWriter(live, Secret("unused"), "t", interval=0.01) as writer:
        while asked["endpoints"] < 3:
            pass
        assert writer.ledger.attempted == 0 and writer._thread.is_alive()
        endpoints.append(("127.0.0.1", 1))
        while writer.ledger.attempted < 1:
            pass
    assert writer.stop().attempted >= 1


def test_the_overlay_clients_lines_make_the_same_books() -> None:
    output = ("1733300000.100 1 10.0.1.5 ok\n"
              "1733300000.200 2 10.0.1.6 err ERROR 2002 (HY000): Can't connect to server on '10.0.1.6' (115)\n"
              "1733300000.300 3 - err no address for tasks.mysql-galera\n"
              "1733300000.400 4 10.0.1.7 ok\n")
    ledger = parse(output, path="overlay")
    assert (ledger.attempted, ledger.acknowledged, ledger.path) == (4, {1, 4}, "overlay")
    assert ledger.outcomes == [(1733300000.1, True), (1733300000.2, False), (1733300000.3, False), (1733300000.4, True)]
    assert ledger.errors["no address for tasks.mysql-galera"] == 1


def test_output_that_is_not_an_attempt_is_counted_not_dropped() -> None:
    ledger = parse("1733300000.100 1 10.0.1.5 ok\nbash: mariadb: command not found\n")
    assert ledger.attempted == 1
    assert ledger.errors == Counter({"unexpected output: bash: mariadb: command not found": 1})


def test_the_overlay_client_never_names_the_password_and_stops_on_its_file() -> None:
    assert "MYSQL_PWD" not in SCRIPT and "-p" not in SCRIPT.split()
    assert "/tmp/swarmproof-client-stop" in SCRIPT and "tasks.$service" in SCRIPT
