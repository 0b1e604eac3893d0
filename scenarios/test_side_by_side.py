"""Two whole runs side by side on one engine: a second pytest session provisions its own
swarm and stack beside this session's, passes its scenarios, and cleans up after itself,
while this session's cluster and stack stay exactly as they were and keep serving.

What a team sharing one CI machine between pipelines needs: every resource a run makes
carries its run's labels and names, and teardown removes exactly those.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import docker
import pytest

from swarmproof.asserts import assert_held_throughout
from swarmproof.cluster import Cluster
from swarmproof.deployment import Deployment
from swarmproof.engine import Engine
from swarmproof.errors import WaitAborted
from swarmproof.galera import unhealthy
from swarmproof.run import LABEL_NODE, LABEL_OWNER, LABEL_RUN
from swarmproof.waits import Wait
from swarmproof.watch import Watch

pytestmark = [pytest.mark.harness]

ROOT = Path(__file__).resolve().parent.parent
# The second run: a swarm (test_swarm) and the whole stack (test_quorum) of its own.
SECOND_RUN = ("scenarios/test_swarm.py", "scenarios/test_quorum.py")
SECOND_RUN_TIMEOUT = 900.0


def second_session(tmp_path: Path) -> subprocess.Popen[str]:
    """The second run, its output in ``tmp_path``/second.log."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("PYTEST_XDIST", "PYTEST_ADDOPTS"))}
    # From the repository, as a user runs it: its ini's `--dist loadfile` needs pytest-xdist
    # loaded (without -n it stays idle); its own basetemp, so neither run prunes the other's.
    with (tmp_path / "second.log").open("w") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--engine", "local", "-q",
             f"--basetemp={tmp_path / 'basetemp'}", *SECOND_RUN],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, text=True, start_new_session=True)


def their_run(client: docker.DockerClient, session: subprocess.Popen[str], log: Path) -> str:
    """The run id of the session's node containers (found by its owner's pid), once it has some."""
    def runs() -> list[str]:
        nodes = client.containers.list(all=True, filters={"label": LABEL_NODE}, ignore_removed=True)
        found = sorted({c.labels[LABEL_RUN] for c in nodes if f":{session.pid}:" in c.labels.get(LABEL_OWNER, "")})
        if not found and session.poll() is not None:
            raise WaitAborted(f"the second run ended (exit {session.returncode}) before it made a node:\n"
                              f"{log.read_text()[-3000:]}")
        return found

    return Wait(what=f"the second session's nodes (pid {session.pid})", probe=runs, timeout=300.0,
                interval=1.0).until()[0]


def left_by(client: docker.DockerClient, run_id: str) -> list[str]:
    """What carries the run's label on the engine: containers, networks, volumes."""
    label = {"label": f"{LABEL_RUN}={run_id}"}
    return ([f"container {c.name}" for c in client.containers.list(all=True, filters=label, ignore_removed=True)]
            + [f"network {n.name}" for n in client.networks.list(filters=label)]
            + [f"volume {v.name}" for v in client.volumes.list(filters=label)])


def snapshot(client: docker.DockerClient, cluster: Cluster, deployment: Deployment) -> dict[str, object]:
    """What this session has made, by identity: its containers, networks and volumes on the
    engine, its swarm's nodes, its stack's services and Galera members."""
    run = cluster.ctx.run.run_id
    label = {"label": f"{LABEL_RUN}={run}"}
    manager = cluster.manager().docker
    return {
        "containers": sorted((c.name, c.id) for c in client.containers.list(all=True, filters=label)),
        "networks": sorted((n.name, n.id) for n in client.networks.list(filters=label)),
        "swarm nodes": sorted((str(n.description.hostname), str(n.id)) for n in manager.node.list()),
        "services": sorted((str(s.spec.name), str(s.id)) for s in manager.service.list()),
        "galera members": sorted(t.container for t in deployment.tasks("mysql-galera")),
    }


@pytest.fixture
def client(swarm_cluster: Cluster, build_engine: Engine) -> docker.DockerClient:
    if not swarm_cluster.ctx.engine.is_local:
        pytest.skip(f"the second run is on the local engine, and this session's cluster is on the "
                    f"{swarm_cluster.ctx.engine.kind} engine: nothing shared to compare")
    return build_engine.client


def test_a_second_run_beside_this_one_passes_and_neither_touches_the_other(
        tmp_path: Path, galera_stack: Deployment, swarm_cluster: Cluster, client: docker.DockerClient) -> None:
    ours = swarm_cluster.ctx.run.run_id
    before = snapshot(client, swarm_cluster, galera_stack)
    healthy = Watch("this session's Galera members, Synced and Primary in a cluster of three",
                    lambda: {name: unhealthy(status, 3) if isinstance(status, dict) else {"error": str(status)}
                             for name, status in galera_stack.member_statuses().items()}, interval=3.0)
    with healthy:
        second = second_session(tmp_path)
        try:
            theirs = their_run(client, second, tmp_path / "second.log")
            second.wait(timeout=SECOND_RUN_TIMEOUT)
        finally:
            if second.poll() is None:
                second.kill()
                second.wait()

    output = (tmp_path / "second.log").read_text()
    assert second.returncode == 0, f"the second run failed (exit {second.returncode}):\n{output[-3000:]}"
    assert theirs != ours, f"the second run took this session's run id {ours}"
    assert_held_throughout(healthy, lambda problems: len(problems) == 3 and not any(problems.values()), at_least=2)
    assert snapshot(client, swarm_cluster, galera_stack) == before, "the second run changed this session's resources"
    assert left_by(client, theirs) == [], f"the second run ({theirs}) left resources behind"
