"""The ssh provider against hosts reachable over SSH only (``swarmproof.testhosts``).

A session of its own is given nothing but the inventory: it forms the walkthrough's swarm
on the hosts, runs the swarm, quorum, DNS and Galera discovery scenarios there, and leaves
the hosts as it found them. One host lacks two of the task images, so the session must send
exactly those (by image id) and say so. From outside, the engine's event stream shows that
the session never ran ``docker exec`` into the hosts: it reached them over SSH alone.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from swarmproof.engine import Engine
from swarmproof.plugin.state import SessionState
from swarmproof.progress import Progress
from swarmproof.testhosts import TestHosts

pytestmark = [pytest.mark.harness]

ROOT = Path(__file__).resolve().parent.parent
SESSION_TIMEOUT = 1800
UNDER_TEST = ("scenarios/test_swarm.py", "scenarios/test_quorum.py", "scenarios/test_dns_vip.py",
              "scenarios/test_galera_discovery.py")
WITHHELD = ("galera", "wordpress")  # what the last host lacks, so that the session must send it


@pytest.fixture
def ssh_hosts(tmp_path: Path, build_engine: Engine, swarmproof_images: dict[str, str],
              swarmproof_state: SessionState, swarmproof_progress: Progress) -> Iterator[TestHosts]:
    capabilities = swarmproof_state.capabilities_of(build_engine, swarmproof_images["node"])
    with TestHosts(build_engine, swarmproof_images, capabilities, tmp_path, swarmproof_progress) as hosts:
        last = hosts.nodes[-1]
        last.docker.image.remove([swarmproof_images[name] for name in WITHHELD])
        yield hosts


def run_session(folder: Path, inventory: Path, *paths: str) -> tuple[str, ET.Element]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PYTEST_XDIST", "PYTEST_ADDOPTS"))}
    report = folder / "ssh.xml"
    # The repository's own configuration (its addopts name xdist's --dist): no -n, so no workers.
    done = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--provider", "ssh",
                           "--inventory", str(inventory), f"--junitxml={report}",
                           f"--basetemp={folder / 'inner'}", *paths],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=SESSION_TIMEOUT, check=False)
    output = done.stdout + done.stderr
    (folder / "session.log").write_text(output)
    assert done.returncode == 0, f"the ssh session failed:\n{output[-4000:]}"
    return output, ET.parse(report).getroot()


def execs_into(engine: Engine, containers: list[str], since: float, until: float) -> list[str]:
    """Every `docker exec` the engine saw into ``containers`` between ``since`` and ``until``."""
    events = engine.client.events(since=int(since), until=int(until) + 1, decode=True,
                                  filters={"event": "exec_create", "container": containers})
    return [f"{event['Actor']['Attributes'].get('name')}: {event['Actor']['Attributes'].get('execID', '')}"
            for event in events]


def test_a_session_forms_a_swarm_on_ssh_hosts_and_leaves_them_as_it_found_them(
        tmp_path: Path, ssh_hosts: TestHosts, build_engine: Engine, swarmproof_images: dict[str, str],
        record_property: Callable[[str, object], None]) -> None:
    before = ssh_hosts.state()
    started = time.time()
    output, report = run_session(tmp_path, ssh_hosts.inventory, *UNDER_TEST)
    ended = time.time()
    record_property("ssh_session_s", round(ended - started, 1))

    suite = report if report.tag == "testsuite" else report.find("testsuite")
    assert suite is not None and int(suite.get("tests", "0")) >= 20, output[-3000:]
    assert int(suite.get("failures", "0")) == 0 and int(suite.get("errors", "0")) == 0, output[-3000:]
    assert "forming the walkthrough's" in output
    last = ssh_hosts.nodes[-1].hostname
    withheld = ", ".join(swarmproof_images[name] for name in WITHHELD)
    assert f"sent {withheld} (" in output and f"to {last} over ssh" in output, output[-3000:]

    # The check sees execs: the helper's own, setting the hosts up, are there.
    assert execs_into(build_engine, ssh_hosts.containers, ssh_hosts.started_at, started)
    assert execs_into(build_engine, ssh_hosts.containers, started, ended) == []
    after = ssh_hosts.state()
    for host, then in before.items():
        assert after[host].swarm.state == "inactive", f"{host} is still in a swarm"
        assert after[host] == then, f"{host} differs from before the session"
