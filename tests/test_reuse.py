"""Choosing a kept cluster to reuse: fingerprints, the newest match, and why none fits."""

from __future__ import annotations

import stat
from pathlib import Path

from swarmproof import reuse
from swarmproof.config import Settings
from swarmproof.reuse import KeptRecord

TAGS = {"node": "swarmproof/node:1", "galera": "swarmproof/galera:2"}


def record(run_id: str, fingerprint: str = "f", made: float = 0.0, engine: str = "local") -> KeptRecord:
    return KeptRecord(run_id, engine, fingerprint, {"root": "r", "sst": "s", "wordpress_admin": "w"}, made)


def test_the_fingerprint_changes_with_what_shapes_a_cluster_and_not_with_keeping() -> None:
    base = reuse.fingerprint(Settings(), TAGS)
    assert reuse.fingerprint(Settings(keep_cluster=True, reuse_cluster=True), TAGS) == base
    assert reuse.fingerprint(Settings(heartbeat=1.0), TAGS) != base
    assert reuse.fingerprint(Settings(), {**TAGS, "galera": "swarmproof/galera:3"}) != base


def test_the_fingerprint_follows_the_stack_files_content(tmp_path: Path) -> None:
    stack = tmp_path / "stack.yml"
    stack.write_text("services: {}\n")
    first = reuse.fingerprint(Settings(stack_file=stack), TAGS)
    stack.write_text("services: {a: {}}\n")
    assert reuse.fingerprint(Settings(stack_file=stack), TAGS) != first


def test_the_newest_existing_match_is_chosen() -> None:
    records = [record("old", made=1), record("new", made=2), record("other", fingerprint="g", made=3)]
    chosen, why = reuse.choose(records, "f", "auto", exists=lambda r: True)
    assert chosen is not None and chosen.run_id == "new" and why == "reusing kept cluster new"
    chosen, _ = reuse.choose(records, "f", "auto", exists=lambda r: r.run_id == "old")
    assert chosen is not None and chosen.run_id == "old"


def test_why_no_kept_cluster_fits_is_said() -> None:
    assert reuse.choose([], "f", "auto", exists=lambda r: True)[1] == \
        "no cluster was kept with --keep-cluster on this machine"
    assert "no kept cluster (a) matches" in reuse.choose([record("a", "g")], "f", "auto", exists=lambda r: True)[1]
    assert "no kept cluster (a) matches" in reuse.choose([record("a")], "f", "vm", exists=lambda r: True)[1]
    assert "are gone from the engine" in reuse.choose([record("a")], "f", "local", exists=lambda r: False)[1]


def test_records_are_private_and_read_back(tmp_path: Path) -> None:
    path = reuse.save(record("a"), tmp_path / "kept")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    (tmp_path / "kept" / "junk.json").write_text("{not json")
    assert reuse.load_all(tmp_path / "kept") == [record("a")]
    reuse.forget("a", tmp_path / "kept")
    assert reuse.load_all(tmp_path / "kept") == []
