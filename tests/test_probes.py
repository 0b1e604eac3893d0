"""The rotation checks' logic: evenness, and waiting for a mesh that adds its backends late."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from swarmproof import probes
from swarmproof.errors import WaitTimeout

REPLICAS = {"t1", "t2", "t3"}


def asker(batches: Iterator[list[str]]):  # type: ignore[no-untyped-def]
    """An ``ask`` that answers each batch of probes in turn, one name per probe."""
    answers = (name for batch in batches for name in batch)
    return lambda endpoint: next(answers)


def test_an_even_rotation_over_the_replicas_passes_and_a_lopsided_one_does_not() -> None:
    assert probes.rotation_is_even(["t1", "t2", "t3"] * 4, REPLICAS)
    assert not probes.rotation_is_even(["t1"] * 12, REPLICAS)
    assert not probes.rotation_is_even(["t1", "t2"] * 6, REPLICAS)


def test_the_answers_are_taken_once_every_replica_is_among_them() -> None:
    late = iter([["t1"] * 6, ["t1", "t2", "t3"] * 2])
    seen = probes.every_replica_answering(("127.0.0.1", 8080), REPLICAS, 6, asker(late), timeout=30)
    assert seen == ["t1", "t2", "t3"] * 2


def test_a_replica_that_never_answers_times_out_naming_what_answered() -> None:
    never = iter([["t1", "t2"] * 3] * 1000)
    with pytest.raises(WaitTimeout, match=r"each of the 3 replicas answering through 127.0.0.1:8080.*'t1', 't2'"):
        probes.every_replica_answering(("127.0.0.1", 8080), REPLICAS, 6, asker(never), timeout=0.1)
