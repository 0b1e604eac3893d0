"""A pytest killed with SIGKILL while it provisions leaves its nodes behind (nothing of it
can run any more), and the next run removes them, saying so; a live run's resources are
never touched (this very session's cluster is one, and stays).

Both sessions are of their own, on the local engine (the next one only needs to start
provisioning: its leftover sweep comes before its nodes).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import docker
import pytest

from swarmproof.cluster import Cluster
from swarmproof.run import LABEL_NODE, LABEL_RUN
from swarmproof.waits import Wait

pytestmark = [pytest.mark.harness]

NEEDS_A_CLUSTER = '''
def test_needs_a_cluster(swarm_cluster):
    assert swarm_cluster.nodes
'''


def session(root: Path) -> subprocess.Popen[str]:
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("PYTEST_XDIST", "PYTEST_ADDOPTS"))}
    return subprocess.Popen(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:xdist", "--engine", "local", "-s",
         "test_needs_a_cluster.py"],
        cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)


def runs(client: docker.DockerClient, label: str = LABEL_RUN) -> dict[str, list[str]]:
    """run id -> names of its containers (those labelled ``label``)."""
    found: dict[str, list[str]] = {}
    for container in client.containers.list(all=True, filters={"label": label}, ignore_removed=True):
        found.setdefault(container.labels[LABEL_RUN], []).append(container.name)
    return found


def test_a_run_killed_while_provisioning_is_removed_by_the_next_run(tmp_path: Path, swarm_cluster: Cluster) -> None:
    if swarm_cluster.ctx.engine.kind != "local":
        pytest.skip(f"its sessions run on the local engine, and this session's cluster is on the "
                    f"{swarm_cluster.ctx.engine.kind} engine: nothing to compare with")
    client = swarm_cluster.ctx.engine.client
    (tmp_path / "test_needs_a_cluster.py").write_text(NEEDS_A_CLUSTER)
    ours, before = swarm_cluster.ctx.run.run_id, set(runs(client))

    killed = session(tmp_path)
    try:
        # A node, not the capability probe's short-lived container: that one may be gone already.
        new = Wait(what="the killed-to-be session's first node container",
                   probe=lambda: set(runs(client, LABEL_NODE)) - before,
                   timeout=300.0, interval=0.5).until()
    finally:
        os.killpg(killed.pid, signal.SIGKILL)
        killed.wait()
    (victim,) = new
    assert runs(client).get(victim), f"run {victim} was killed mid-provisioning and should have left its nodes"

    nxt = session(tmp_path)
    output, _ = nxt.communicate(timeout=900)
    assert nxt.returncode == 0, f"the next session failed:\n{output[-3000:]}"
    assert victim not in runs(client), f"run {victim}'s leftovers are still there after the next run"
    assert "removed leftovers of crashed runs: " in output and victim in output, output[-3000:]
    assert runs(client).get(ours), "this live session's own nodes must never be swept"
