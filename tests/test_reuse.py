"""Choosing a kept cluster to reuse: fingerprints, the newest match, and why none fits."""

from __future__ import annotations

import stat
from pathlib import Path

from swarmproof import reuse
from swarmproof.config import Settings
from swarmproof.reuse import KeptRecord

DIGESTS = {"node": "sha256:1", "galera": "sha256:2"}
SHAPE = reuse.shape(Settings(), DIGESTS)


def record(run_id: str, shape: dict[str, str] = SHAPE, made: float = 0.0, engine: str = "local") -> KeptRecord:
    return KeptRecord(run_id, engine, shape, {"root": "r", "sst": "s", "wordpress_admin": "w"}, made)


def test_the_shape_changes_with_what_shapes_a_cluster_and_not_with_keeping() -> None:
    assert reuse.shape(Settings(keep_cluster=True, reuse_cluster=True), DIGESTS) == SHAPE
    assert reuse.differences(SHAPE, reuse.shape(Settings(heartbeat=1.0), DIGESTS)) == ["heartbeat"]
    rebuilt = reuse.shape(Settings(), {**DIGESTS, "galera": "sha256:3"})
    assert reuse.differences(SHAPE, rebuilt) == ["image galera"]


def test_the_shape_follows_the_stack_files_content(tmp_path: Path) -> None:
    stack = tmp_path / "stack.yml"
    stack.write_text("services: {}\n")
    first = reuse.shape(Settings(stack_file=stack), DIGESTS)
    stack.write_text("services: {a: {}}\nconfigs:\n  c:\n    file: ./c.conf\n")
    second = reuse.shape(Settings(stack_file=stack), DIGESTS)
    assert reuse.differences(first, second) == ["stack file"]
    (tmp_path / "c.conf").write_text("a file the stack names is part of it\n")
    assert reuse.differences(second, reuse.shape(Settings(stack_file=stack), DIGESTS)) == ["stack file"]


def test_the_newest_existing_match_is_chosen() -> None:
    other = reuse.shape(Settings(heartbeat=2.0), DIGESTS)
    records = [record("old", made=1), record("new", made=2), record("other", other, made=3)]
    chosen, why = reuse.choose(records, SHAPE, "auto", exists=lambda r: True)
    assert chosen is not None and chosen.run_id == "new" and why == "reusing kept cluster new"
    chosen, _ = reuse.choose(records, SHAPE, "auto", exists=lambda r: r.run_id == "old")
    assert chosen is not None and chosen.run_id == "old"


def test_why_no_kept_cluster_fits_is_said() -> None:
    def why(records: list[KeptRecord], engine: str = "auto", exists: bool = True) -> str:
        return reuse.choose(records, SHAPE, engine, exists=lambda r: exists)[1]

    assert why([]) == "no cluster was kept with --keep-cluster on this machine"
    changed = reuse.shape(Settings(heartbeat=2.0), {**DIGESTS, "node": "not built"})
    assert why([record("a", changed)]) == "kept cluster a differs from this session in: heartbeat, image node"
    assert why([record("a")], engine="vm") == "no kept cluster runs on the vm engine (kept: a (local))"
    assert why([record("a")], "local", False) == "the matching kept cluster(s) a (local) are gone from the engine"


def test_records_are_private_and_read_back(tmp_path: Path) -> None:
    path = reuse.save(record("a"), tmp_path / "kept")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    (tmp_path / "kept" / "junk.json").write_text("{not json")
    assert reuse.load_all(tmp_path / "kept") == [record("a")]
    reuse.forget("a", tmp_path / "kept")
    assert reuse.load_all(tmp_path / "kept") == []
