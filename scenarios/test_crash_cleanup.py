"""A pytest killed with SIGKILL while it provisions leaves its nodes behind (nothing of it
can run any more), and the next run removes them, saying so; a live run's resources are
never touched (this very session's cluster is one, and stays). A pytest interrupted with
Ctrl-C while it provisions removes what it had made before it exits.

Both sessions are of their own, on the local engine (the next one only needs to start
provisioning: its leftover sweep comes before its nodes).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import docker
import pytest

from swarmproof.cluster import Cluster
from swarmproof.engine import Engine
from swarmproof.run import LABEL_NODE, LABEL_OWNER, LABEL_RUN
from swarmproof.waits import Wait

pytestmark = [pytest.mark.harness]

NEEDS_A_CLUSTER = '''
def test_needs_a_cluster(swarm_cluster):
    assert swarm_cluster.nodes
'''


def own_basetemp(root: Path) -> str:
    """A basetemp of the session's own: pytest keeps only the three newest numbered basetemps
    of a user, so a nested session left to number its own prunes the outer session's."""
    return tempfile.mkdtemp(prefix="basetemp-", dir=root)


def session(root: Path) -> subprocess.Popen[str]:
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("PYTEST_XDIST", "PYTEST_ADDOPTS"))}
    return subprocess.Popen(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:xdist", "--engine", "local", "-s",
         f"--basetemp={own_basetemp(root)}", "test_needs_a_cluster.py"],
        cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)


def first_node_of(client: docker.DockerClient, session: subprocess.Popen[str]) -> str:
    """The run id of the session's first node container, once there is one (found by its
    owner's pid: other sessions, of other harness tests under xdist, may be provisioning too)."""
    def runs_of_session() -> list[str]:
        nodes = client.containers.list(all=True, filters={"label": LABEL_NODE}, ignore_removed=True)
        return sorted({c.labels[LABEL_RUN] for c in nodes if f":{session.pid}:" in c.labels.get(LABEL_OWNER, "")})

    # A node, not the capability probe's short-lived container: that one may be gone already.
    return Wait(what=f"a node container of the session (pid {session.pid})", probe=runs_of_session,
                timeout=300.0, interval=0.5).until()[0]


def runs(client: docker.DockerClient) -> dict[str, list[str]]:
    """run id -> names of its containers."""
    found: dict[str, list[str]] = {}
    for container in client.containers.list(all=True, filters={"label": LABEL_RUN}, ignore_removed=True):
        found.setdefault(container.labels[LABEL_RUN], []).append(container.name)
    return found


@pytest.fixture
def client(tmp_path: Path, swarm_cluster: Cluster, build_engine: Engine) -> docker.DockerClient:
    """The local engine, where the sessions of these tests run (in ``tmp_path``)."""
    if not swarm_cluster.ctx.engine.is_local:
        pytest.skip(f"its sessions run on the local engine, and this session's cluster is on the "
                    f"{swarm_cluster.ctx.engine.kind} engine: nothing to compare with")
    (tmp_path / "test_needs_a_cluster.py").write_text(NEEDS_A_CLUSTER)
    return build_engine.client


def test_a_run_killed_while_provisioning_is_removed_by_the_next_run(tmp_path: Path, swarm_cluster: Cluster,
                                                                   client: docker.DockerClient) -> None:
    ours = swarm_cluster.ctx.run.run_id

    killed = session(tmp_path)
    try:
        victim = first_node_of(client, killed)
    finally:
        os.killpg(killed.pid, signal.SIGKILL)
        killed.wait()
    assert runs(client).get(victim), f"run {victim} was killed mid-provisioning and should have left its nodes"

    nxt = session(tmp_path)
    output, _ = nxt.communicate(timeout=900)
    assert nxt.returncode == 0, f"the next session failed:\n{output[-3000:]}"
    assert victim not in runs(client), f"run {victim}'s leftovers are still there after the next run"
    assert "removed leftovers of crashed runs: " in output and victim in output, output[-3000:]
    assert runs(client).get(ours), "this live session's own nodes must never be swept"


def left_of(client: docker.DockerClient, run_id: str) -> list[str]:
    """Every container, network and volume still labelled with ``run_id``."""
    label = {"label": f"{LABEL_RUN}={run_id}"}
    return ([f"container {c.name}" for c in client.containers.list(all=True, filters=label, ignore_removed=True)]
            + [f"network {n.name}" for n in client.networks.list(filters=label)]
            + [f"volume {v.name}" for v in client.volumes.list(filters=label)])


def test_a_run_interrupted_while_provisioning_removes_what_it_made(tmp_path: Path,
                                                                  client: docker.DockerClient) -> None:
    interrupted = session(tmp_path)
    try:
        victim = first_node_of(client, interrupted)
        os.killpg(interrupted.pid, signal.SIGINT)  # what Ctrl-C sends: the whole foreground group
        output, _ = interrupted.communicate(timeout=300)
    finally:
        if interrupted.poll() is None:
            os.killpg(interrupted.pid, signal.SIGKILL)
    assert "KeyboardInterrupt" in output or "Interrupted" in output, output[-3000:]
    assert left_of(client, victim) == [], f"the interrupted run left its resources:\n{output[-3000:]}"
