"""Soak: how often does a healthy run fail? Runs the scenarios N times, each on a fresh
cluster, and prints one line per run and a summary. Not a test.

    .venv/bin/python bench/soak.py N [--engine local] [--workers 2] [-- PYTEST ARGS...]

Each run is ``pytest scenarios -n 2 --engine local`` (with the pytest arguments given
after ``--`` added) and its own JUnit XML and diagnostics folder under ``--out``
(default: a new folder in /tmp). A run's line: its number, passed / failed / skipped
counts, seconds, and for each failing test its id and diagnostics folder. A gate that
fails one healthy run in ten teaches people to press "re-run": the summary says how
many runs were green.

Ten runs take hours, so a soak can go on later: give the same ``--out`` again and the
numbering continues. Each run is also appended to ``soak.jsonl`` there, with the commit of
the code it ran (the last one that changed more than docs), and the summary counts the whole
log per commit.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Outcome:
    """One run's verdict, read from its JUnit XML."""

    passed: int = 0
    failed: int = 0
    skipped: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)  # (test id, diagnostics folder or '')

    @property
    def green(self) -> bool:
        return self.failed == 0 and self.passed > 0


def outcome(junit: Path) -> Outcome:
    """Counts and failing tests of a JUnit XML report (an error counts as a failure)."""
    found = Outcome()
    for case in ET.parse(junit).iter("testcase"):
        if case.find("failure") is not None or case.find("error") is not None:
            found.failed += 1
            folder = next((p.get("value", "") for p in case.iter("property") if p.get("name") == "diagnostics"), "")
            found.failures.append((f"{case.get('classname')}::{case.get('name')}", folder))
        elif case.find("skipped") is not None:
            found.skipped += 1
        else:
            found.passed += 1
    return found


def line(number: int, result: Outcome, seconds: float, exit_code: int) -> str:
    verdict = "green" if result.green and exit_code == 0 else f"RED (exit {exit_code})"
    text = (f"run {number}: {verdict}: {result.passed} passed, {result.failed} failed, "
            f"{result.skipped} skipped, {seconds:.0f} s")
    return text + "".join(f"\n  {test}  diagnostics: {folder or '(none)'}" for test, folder in result.failures)


def record(log: Path, number: int, commit: str, result: Outcome, seconds: float, exit_code: int) -> None:
    entry = {"run": number, "commit": commit, "green": result.green and exit_code == 0, "exit": exit_code,
             "passed": result.passed, "failed": result.failed, "skipped": result.skipped,
             "seconds": round(seconds), "failures": [test for test, _ in result.failures]}
    with log.open("a") as out:
        out.write(json.dumps(entry) + "\n")


def history(log: Path) -> list[dict]:
    """The runs logged so far (none when the log does not exist)."""
    return [json.loads(text) for text in log.read_text().splitlines() if text.strip()] if log.exists() else []


def summary(runs: list[dict]) -> str:
    """Green runs per commit, in the order the commits were first soaked."""
    commits = list(dict.fromkeys(run["commit"] for run in runs))
    parts = [f"{sum(r['green'] for r in runs if r['commit'] == c)} of "
             f"{sum(r['commit'] == c for r in runs)} at {c}" for c in commits]
    return f"soak log: {sum(r['green'] for r in runs)} of {len(runs)} runs green ({'; '.join(parts)})"


# What a run's outcome cannot depend on: a commit that changes only these runs the same code.
NOT_CODE = ("docs", "README.md")


def head(root: Path = ROOT) -> str:
    """The last commit that changed code, so that runs on either side of a docs-only commit
    count together; "+changes" if the work tree differs from it."""
    excluded = [f":(exclude){path}" for path in NOT_CODE]
    found = subprocess.run(["git", "log", "-1", "--format=%h", "--abbrev=12", "--", ".", *excluded], cwd=root,
                           capture_output=True, text=True)
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root,
                           capture_output=True, text=True).stdout.strip()
    return (found.stdout.strip() or "unknown") + ("+changes" if dirty else "")


def one_run(number: int, out: Path, engine: str, workers: int, extra: list[str]) -> tuple[Outcome, int, float]:
    folder = out / f"run{number:02d}"
    folder.mkdir(parents=True, exist_ok=True)
    junit = folder / "scenarios.xml"
    command = [sys.executable, "-m", "pytest", "scenarios", "-n", str(workers), "--engine", engine, "-q",
               "-p", "no:cacheprovider", f"--junitxml={junit}", f"--diagnostics-dir={folder / 'diagnostics'}", *extra]
    started = time.monotonic()
    with (folder / "pytest.log").open("w") as log:
        code = subprocess.run(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, check=False).returncode
    seconds = time.monotonic() - started
    return (outcome(junit) if junit.exists() else Outcome()), code, seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", type=int)
    parser.add_argument("--engine", choices=("local", "vm"), default="local")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", type=Path, default=None, help="where each run's report and log go")
    parser.add_argument("pytest_args", nargs="*", help="after --: more arguments for pytest")
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="swarmproof-soak-"))
    print(f"soak: {args.runs} runs of `pytest scenarios -n {args.workers} --engine {args.engine}`; "
          f"reports in {out}", flush=True)
    log, commit = out / "soak.jsonl", head()
    first = len(history(log)) + 1
    green = 0
    for number in range(first, first + args.runs):
        result, code, seconds = one_run(number, out, args.engine, args.workers, args.pytest_args)
        green += result.green and code == 0
        record(log, number, commit, result, seconds, code)
        print(line(number, result, seconds, code), flush=True)
    print(f"soak: {green} of {args.runs} runs green at {commit}")
    print(summary(history(log)))
    return 0 if green == args.runs else 1


if __name__ == "__main__":
    sys.exit(main())
