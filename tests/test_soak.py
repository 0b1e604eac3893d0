"""bench/soak.py's verdict on a run, from its JUnit XML, without running pytest."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

from soak import Outcome, head, history, line, outcome, record, summary

REPORT = """<testsuites><testsuite>
<testcase classname="scenarios.test_swarm" name="test_three_managers"/>
<testcase classname="scenarios.test_faults" name="test_faulted[partition]">
  <properties><property name="diagnostics" value="/tmp/d/partition"/></properties>
  <failure message="lost">lost</failure></testcase>
<testcase classname="scenarios.test_routing_mesh" name="test_mesh"><skipped message="needs ip_vs"/></testcase>
<testcase classname="scenarios.test_quorum" name="test_setup"><error message="boom"/></testcase>
</testsuite></testsuites>"""


def test_a_run_with_a_failure_is_red_and_names_the_test_and_its_diagnostics(tmp_path: Path) -> None:
    junit = tmp_path / "r.xml"
    junit.write_text(REPORT)
    result = outcome(junit)
    assert (result.passed, result.failed, result.skipped, result.green) == (1, 2, 1, False)
    assert line(3, result, 61.4, 1).splitlines() == [
        "run 3: RED (exit 1): 1 passed, 2 failed, 1 skipped, 61 s",
        "  scenarios.test_faults::test_faulted[partition]  diagnostics: /tmp/d/partition",
        "  scenarios.test_quorum::test_setup  diagnostics: (none)"]


def test_a_run_that_passed_nothing_is_not_green(tmp_path: Path) -> None:
    junit = tmp_path / "r.xml"
    junit.write_text('<testsuite><testcase classname="c" name="t"><skipped message="x"/></testcase></testsuite>')
    assert not outcome(junit).green


def test_the_log_carries_on_across_soaks_and_counts_green_runs_per_commit(tmp_path: Path) -> None:
    log = tmp_path / "soak.jsonl"
    assert history(log) == []
    record(log, 1, "aaa", Outcome(passed=5), 60.2, 0)
    record(log, 2, "aaa", Outcome(passed=4, failed=1, failures=[("t::x", "")]), 61, 1)
    record(log, 3, "bbb", Outcome(passed=5), 59, 0)
    runs = history(log)
    assert [run["run"] for run in runs] == [1, 2, 3] and runs[1]["failures"] == ["t::x"]
    assert summary(runs) == "soak log: 2 of 3 runs green (1 of 2 at aaa; 1 of 1 at bbb)"


def test_runs_on_either_side_of_a_docs_only_commit_count_as_one_commit(tmp_path: Path) -> None:
    def git(*args: str) -> str:
        return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=tmp_path,
                              check=True, capture_output=True, text=True).stdout.strip()

    git("init", "-q")
    (tmp_path / "docs").mkdir()
    for path, message in (("fixtures.py", "code"), ("docs/benchmarks.md", "docs"), ("README.md", "readme")):
        (tmp_path / path).write_text(message)
        git("add", path)
        git("commit", "-q", "-m", message)
    code = git("log", "--format=%h", "--abbrev=12", "--grep=code")
    assert head(tmp_path) == code
    (tmp_path / "fixtures.py").write_text("changed")
    assert head(tmp_path) == f"{code}+changes"
