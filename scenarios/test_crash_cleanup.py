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
import time
from pathlib import Path

import docker
import pytest

from swarmproof.cluster import Cluster
from swarmproof.engine import Engine
from swarmproof.run import LABEL_NODE, LABEL_OWNER, LABEL_RUN

pytestmark = [pytest.mark.harness]

NEEDS_A_CLUSTER = '''
def test_needs_a_cluster(swarm_cluster):
    assert swarm_cluster.nodes
'''


def own_basetemp(root: Path) -> str:
    """A basetemp of the session's own: pytest keeps only the three newest numbered basetemps
    of a user, so a nested session left to number its own prunes the outer session's."""
    return tempfile.mkdtemp(prefix="basetemp-", dir=root)


def default_sigint() -> None:
    """Ctrl-C's default disposition in the session's process: a harness started in the
    background (a shell's `cmd &` ignores SIGINT, and children inherit that) must not pass
    the ignoring on, or the session never feels the interrupt this module sends."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def session(root: Path) -> subprocess.Popen[str]:
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("PYTEST_XDIST", "PYTEST_ADDOPTS"))}
    return subprocess.Popen(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:xdist", "--engine", "local", "-s",
         f"--basetemp={own_basetemp(root)}", "test_needs_a_cluster.py"],
        cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
        preexec_fn=default_sigint)


def first_node_of(client: docker.DockerClient, session: subprocess.Popen[str], since: float) -> str:
    """The run id of the session's first node container, as the engine's event stream reports
    its creation (events since ``since``, before the session started, are replayed): found by
    its owner's pid, since other sessions, of other harness tests under xdist, may be
    provisioning too. Not by listing containers: on a busy engine a listing took so long that
    the session had finished provisioning, and its test, before the interrupt was sent."""
    until = time.time() + 300.0
    events = client.events(since=int(since), until=int(until), decode=True,
                           filters={"type": "container", "event": "create", "label": LABEL_NODE})
    for event in events:
        labels = (event.get("Actor") or {}).get("Attributes") or {}
        if f":{session.pid}:" in labels.get(LABEL_OWNER, ""):
            events.close()
            return str(labels[LABEL_RUN])
    raise AssertionError(f"no node container of the session (pid {session.pid}) was created within 300 s")


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

    since = time.time()
    killed = session(tmp_path)
    try:
        victim = first_node_of(client, killed, since)
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
    since = time.time()
    interrupted = session(tmp_path)
    try:
        victim = first_node_of(client, interrupted, since)
        os.killpg(interrupted.pid, signal.SIGINT)  # what Ctrl-C sends: the whole foreground group
        output, _ = interrupted.communicate(timeout=300)
    finally:
        if interrupted.poll() is None:
            os.killpg(interrupted.pid, signal.SIGKILL)
    assert "KeyboardInterrupt" in output or "Interrupted" in output, output[-3000:]
    assert left_of(client, victim) == [], f"the interrupted run left its resources:\n{output[-3000:]}"
