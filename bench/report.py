"""What every benchmark prints: a phase's seconds, or per phase the median and range over the rounds."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def timed(label: str, action: Callable[[], T]) -> T:
    started = time.monotonic()
    result = action()
    print(f"{label}: {time.monotonic() - started:.1f} s", flush=True)
    return result


def print_medians(results: list[dict[str, float]]) -> None:
    for phase in results[0]:
        values = [r[phase] for r in results]
        print(f"{phase}: median {statistics.median(values):.1f} s "
              f"(min {min(values):.1f}, max {max(values):.1f}, {len(values)} rounds)")
