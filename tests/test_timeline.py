"""The fault timeline's arithmetic and its picture, from made-up samples."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from swarmproof.timeline import Timeline, member_label, per_second, segments, short, windows, write


def test_a_rows_equal_values_merge_into_one_segment_and_a_missing_row_leaves_a_gap() -> None:
    samples = [(0.0, {"docker2": "ready"}), (2.0, {"docker2": "ready"}), (4.0, {"docker2": "down"}),
               (6.0, {}), (8.0, {"docker2": "ready"})]
    assert segments(samples, "docker2", end=10.0) == [(0.0, 4.0, "ready"), (4.0, 2.0, "down"), (8.0, 2.0, "ready")]


def test_fault_windows_run_from_the_sample_that_saw_the_fault_to_the_one_that_saw_it_healed() -> None:
    assert windows([(0, False), (2, True), (4, True), (6, False), (8, True)], end=9) == [(2, 6), (8, 9)]
    timeline = Timeline("t", nodes=[(0.0, {}), (7.0, {})], faulted=[(0.0, []), (3.0, ["docker2"]), (5.0, [])])
    assert timeline.fault_windows() == [(3.0, 5.0)]


def test_attempts_are_counted_per_second() -> None:
    assert per_second([(0.1, True), (0.9, False), (1.5, True), (1.6, True)]) == {0: (1, 1), 1: (2, 0)}


def test_members_are_labelled_by_component_and_state() -> None:
    assert member_label({"wsrep_cluster_status": "Primary", "wsrep_local_state_comment": "Synced"}) == "Primary Synced"
    assert member_label({"wsrep_cluster_status": "non-Primary", "wsrep_local_state_comment": "Initialized"}) \
        == "non-Primary"
    assert member_label(OSError("gone")) == "no answer"
    assert short("galera_mysql-galera.2.k3j4h5lm9") == "galera_mysql-galera.2.k3j4h"
    assert short("plain") == "plain"


def test_the_timeline_is_written_as_json_and_drawn(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    timeline = Timeline("test_fault[partition]",
                        nodes=[(0.0, {"docker1": "ready", "docker2": "ready"}), (2.0, {"docker1": "ready",
                                                                                      "docker2": "down"})],
                        faulted=[(0.0, []), (2.0, ["docker2"])],
                        members=[(0.0, {"m.1": "Primary Synced"}), (2.0, {"m.1": "non-Primary"})],
                        writes=[(0.5, True), (2.5, False)], transfers=[(1.0, True)])
    json_file, picture = write(timeline, tmp_path / "sub" / "scenarios_test_faults.py_test_fault_partition_")
    assert json.loads(json_file.read_text())["faulted"] == [[0.0, []], [2.0, ["docker2"]]]
    assert json_file.name == "scenarios_test_faults.py_test_fault_partition_.json"
    assert picture.name == "scenarios_test_faults.py_test_fault_partition_.png"
    assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
