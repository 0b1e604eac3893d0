"""What every benchmark prints: per phase, the median and range over the rounds."""

from __future__ import annotations

import statistics


def print_medians(results: list[dict[str, float]]) -> None:
    for phase in results[0]:
        values = [r[phase] for r in results]
        print(f"{phase}: median {statistics.median(values):.1f} s "
              f"(min {min(values):.1f}, max {max(values):.1f}, {len(values)} rounds)")
