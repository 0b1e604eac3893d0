from __future__ import annotations

import pytest

from swarmproof.errors import WaitTimeout
from swarmproof.waits import Wait


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def make(probe, done=bool, logs=None, timeout=3.0) -> Wait:  # type: ignore[no-untyped-def]
    clock = FakeClock()
    return Wait(what="the thing", probe=probe, done=done, timeout=timeout, interval=1.0,
                hint="look there", logs=logs, clock=clock, sleep=clock.sleep)


def test_returns_the_first_observation_that_is_done() -> None:
    values = iter([1, 2, 3, 4])
    assert make(lambda: next(values), done=lambda v: v >= 3).until() == 3


def test_timeout_names_expectation_last_observation_hint_and_logs() -> None:
    with pytest.raises(WaitTimeout) as caught:
        make(lambda: "still starting", done=lambda v: v == "up", logs=lambda: "log line A").until()
    message = str(caught.value)
    assert "timed out after 3s waiting for the thing" in message
    assert "last observed: 'still starting'" in message
    assert "log line A" in message and "look there" in message


def test_a_raising_probe_is_an_observation_not_a_crash() -> None:
    attempts = []

    def probe() -> str:
        attempts.append(1)
        if len(attempts) < 3:
            raise ConnectionError("refused")
        return "up"

    assert make(probe).until() == "up"


def test_the_last_exception_is_reported_on_timeout() -> None:
    def probe() -> None:
        raise ConnectionError("refused")

    with pytest.raises(WaitTimeout, match="ConnectionError: refused"):
        make(probe).until()


def test_timeout_is_an_assertion_error_so_scenarios_report_failures() -> None:
    assert issubclass(WaitTimeout, AssertionError)


def test_broken_log_collection_does_not_hide_the_timeout() -> None:
    def logs() -> str:
        raise RuntimeError("container gone")

    with pytest.raises(WaitTimeout, match="could not collect logs: container gone"):
        make(lambda: False, logs=logs).until()


def test_an_aborted_wait_ends_at_once() -> None:
    from swarmproof.errors import WaitAborted

    calls = []

    def probe() -> None:
        calls.append(1)
        raise WaitAborted("qemu exited")

    with pytest.raises(WaitAborted):
        make(probe).until()
    assert len(calls) == 1


def test_a_slow_probe_is_rested_as_asked_but_never_past_the_deadline() -> None:
    clock, rests = FakeClock(), []

    def slow_probe() -> str:
        clock.now += 3.0  # a probe into an emulated VM
        return "not yet"

    def sleep(seconds: float) -> None:
        rests.append(seconds)
        clock.sleep(seconds)

    with pytest.raises(WaitTimeout):
        Wait(what="x", probe=slow_probe, done=lambda v: False, timeout=16.0, interval=1.0,
             rest_per_probe=2.0, clock=clock, sleep=sleep).until()
    assert rests == [6.0, 4.0]  # probes at 0, 9 and, the last, at the deadline (16)
