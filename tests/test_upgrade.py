"""Following a release through a docker CLI that serves a scripted swarm (tests/fake_docker.py):
how ``swarmproof deploy --wait`` ends for a completed, a rolled back and a flagged release."""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from swarmproof import stack
from swarmproof.cli import main
from swarmproof.config import STACK_FILE
from swarmproof.deployment import Passwords, stack_variables
from swarmproof.engine import Pace, VmEngine
from swarmproof.images import plan_tags
from swarmproof.release import monitor_gaps
from swarmproof.upgrade import Follower, ReleaseFailed, monitor_check

FAKE = Path(__file__).with_name("fake_docker.py")
STACK = "services:\n  web:\n    image: web:v2\n"


def service(image: str, state: str | None = None, started: str = "", message: str = "") -> dict:
    found: dict = {"Spec": {"Name": "web_web", "TaskTemplate": {"ContainerSpec": {"Image": image}}}}
    if state:
        found["UpdateStatus"] = {"State": state, "StartedAt": started, "Message": message}
    return found


def task(task_id: str, image: str, state: str = "Running 1 second ago") -> str:
    return f"{task_id}\tweb_web.1\t{image}\t{state}\tdocker1"


def swarm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, steps: list[tuple[dict, str]]) -> Path:
    """A scripted swarm: (web_web's inspect, its tasks) before the deploy, then step by step."""
    state = tmp_path / "swarm.json"
    state.write_text(json.dumps({"steps": [{"services": {"web_web": inspected}, "tasks": {"web_web": tasks}}
                                           for inspected, tasks in steps]}))
    monkeypatch.setenv("FAKE_DOCKER", str(state))
    return state


def stack_file(tmp_path: Path, text: str = STACK) -> Path:
    path = tmp_path / "web.yml"
    path.write_text(text)
    return path


DOCKER = f"{shlex.quote(sys.executable)} {shlex.quote(str(FAKE))}"
ROLLED_BACK = [
    (service("web:v1", "completed", "t0"), task("a", "web:v1")),
    (service("web:v2", "updating", "t1"), task("a", "web:v1") + "\n" + task("b", "web:v2", "Starting 1 second ago")),
    (service("web:v1", "rollback_started", "t1", "update rolled back due to failure or early termination of task b"),
     task("a", "web:v1")),
    (service("web:v1", "rollback_completed", "t1", "rollback completed"), task("a", "web:v1"))]


def test_a_rollback_where_completion_was_expected_exits_1_naming_the_service_and_swarms_message(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    state = swarm(tmp_path, monkeypatch, ROLLED_BACK)
    assert main(["deploy", "--wait", str(stack_file(tmp_path)), "--docker", DOCKER,
                 "--", "--resolve-image", "never"]) == 1
    said = capsys.readouterr().err
    assert "web_web: rolled back, expected update completed (swarm says: rollback completed)" in said
    assert "could not bind to port 80" in said  # the failed service's log lines come along
    recorded = json.loads(state.read_text())
    assert ["stack", "deploy", "-c", "-", "--resolve-image", "never", "web"] in recorded["calls"]
    assert recorded["deployed"] == STACK  # the file went in on stdin


def test_the_same_rollback_passes_where_a_rollback_was_expected(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    swarm(tmp_path, monkeypatch, ROLLED_BACK)
    assert main(["deploy", "--wait", str(stack_file(tmp_path)), "--docker", DOCKER, "--expect", "rollback"]) == 0
    assert "web_web: rolled back; 0 tasks started" in capsys.readouterr().out


def test_a_completed_update_is_reported_step_by_step(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    swarm(tmp_path, monkeypatch, [
        (service("web:v1", "completed", "t0"), task("a", "web:v1")),
        (service("web:v2", "updating", "t1"), task("a", "web:v1") + "\n" + task("b", "web:v2", "Starting now")),
        (service("web:v2", "updating", "t1"), task("b", "web:v2")),
        (service("web:v2", "completed", "t1"), task("b", "web:v2"))])
    follower = Follower(shlex.split(DOCKER), "web", interval=0.0)
    report = follower.follow(lambda: deploy_now(follower))
    assert report.phases == {"web_web": "completed"} and report.problems == []
    assert [(b.task, b.image, b.running is not None) for b in report.batches("web_web")] == [("b", "web:v2", True)]
    assert [(old, new) for _, old, new in report.running_counts("web_web")] == [(1, 0), (0, 1)]
    assert report.images("web_web") == {"web_web.1": "web:v2"}


def deploy_now(follower: Follower) -> None:
    subprocess.run([*follower.docker, "stack", "deploy", "-c", "-", "web"], input=b"", check=True)


def test_a_paused_update_fails_whatever_was_expected(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    swarm(tmp_path, monkeypatch, [(service("web:v1"), task("a", "web:v1")),
                                  (service("web:v2", "paused", "t1", "update paused due to failure"), "")])
    follower = Follower(shlex.split(DOCKER), "web", expect="rollback", interval=0.0)
    with pytest.raises(ReleaseFailed, match="web_web: update paused, expected rolled back"):
        follower.follow(lambda: deploy_now(follower))


def test_a_stack_whose_monitor_is_shorter_than_its_healthcheck_is_refused_before_anything_is_deployed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    state = swarm(tmp_path, monkeypatch, ROLLED_BACK)
    short = STACK + "    healthcheck: {test: [CMD, 'true'], interval: 3s, retries: 5}\n"
    assert main(["deploy", "--wait", str(stack_file(tmp_path, short)), "--docker", DOCKER]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1, err
    assert "web: update_config.monitor is 5s, shorter than its healthcheck's 15s (interval 3s x retries 5)" in err
    assert "deployed" not in json.loads(state.read_text())


def test_a_missing_stack_file_is_refused_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["deploy", "--wait", str(tmp_path / "nothing.yml")]) == 2
    assert capsys.readouterr().err.strip().count("\n") == 0


@pytest.mark.parametrize("pace", [Pace(), VmEngine.pace], ids=["host", "vm"])
def test_the_walkthrough_stack_s_updates_watch_new_tasks_as_long_as_their_healthchecks_need(pace: Pace) -> None:
    if shutil.which("docker") is None:
        pytest.skip("no docker CLI here to read the stack file (`docker stack config`)")
    variables = stack_variables(plan_tags(), Passwords(), pace)
    read = stack.config(STACK_FILE, variables)
    assert read is not None and read.returncode == 0, read
    assert monitor_gaps(yaml.safe_load(read.output)) == []
    monitor_check(STACK_FILE, variables)
