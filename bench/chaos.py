"""Benchmark of recovery after faults: prints seconds per step, one per line. Not a test.

    .venv/bin/python bench/chaos.py [--engine local|vm] [--heartbeats 5 1] [--rounds N] [-m EXPR]

For each dispatcher heartbeat, each round runs the chaos scenarios (``pytest scenarios
-m chaos``, or the marker expression given) on a fresh swarm and reads the timings they
record in their JUnit XML (seconds from the kill to node Down, to all replicas Running,
to three Synced Galera members, from the restart to node Ready), then prints each
timing's median over the rounds. The scenarios' own assertions still hold: a round whose
scenarios fail is reported and its timings are left out.

Targets on a 2-core machine, for a follower's kill: -> replicas Running <= 20 s with the
default 5 s heartbeat (and measured with 1 s); -> Galera three Synced <= 30 s.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

from report import print_medians

ROOT = Path(__file__).resolve().parent.parent


def timings(junit: Path) -> dict[str, float]:
    """'<test>: <property>' -> seconds, for every numeric property of a passed or skipped
    test (a skip there means only the writer's part needed ip_vs; the timings stand)."""
    found = {}
    for case in ET.parse(junit).iter("testcase"):
        if case.find("failure") is not None or case.find("error") is not None:
            continue
        for prop in case.iter("property"):
            if prop.get("name", "").endswith("_s"):
                found[f"{case.get('name')}: {prop.get('name')}"] = float(prop.get("value", "nan"))
    return found


def one_round(engine: str, heartbeat: float, marker: str) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as scratch:
        junit = Path(scratch) / "chaos.xml"
        command = [sys.executable, "-m", "pytest", "scenarios", "-m", marker, "--engine", engine,
                   "--heartbeat", f"{heartbeat:g}", "-p", "no:cacheprovider", "-q", f"--junitxml={junit}"]
        result = subprocess.run(command, cwd=ROOT, check=False)
        if result.returncode != 0:
            print(f"heartbeat {heartbeat:g} s: scenarios failed (exit {result.returncode}); timings of the "
                  "failed ones left out", file=sys.stderr)
        return timings(junit) if junit.exists() else {}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=("local", "vm"), default="local")
    parser.add_argument("--heartbeats", type=float, nargs="+", default=[5.0, 1.0], metavar="SECONDS")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("-m", dest="marker", default="chaos", help="marker expression (default: chaos)")
    options = parser.parse_args()
    for beat in options.heartbeats:
        rounds = []
        for number in range(1, options.rounds + 1):
            rounds.append(one_round(options.engine, beat, options.marker))
            # Each round as it ends: a long benchmark stopped midway keeps what it measured.
            print(f"heartbeat {beat:g} s, round {number}: {rounds[-1]}", flush=True)
        print(f"engine: {options.engine}, heartbeat: {beat:g} s")
        rounds = [r for r in rounds if r]
        if rounds:
            print_medians([{k: r[k] for k in rounds[0] if all(k in other for other in rounds)} for r in rounds])


if __name__ == "__main__":
    main()
