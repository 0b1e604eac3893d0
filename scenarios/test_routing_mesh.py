"""The ingress routing mesh, probed with a small service that answers with its task's
name, independent of the application stack (``infra/stack/mesh-probe.yml``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from swarmproof import probes, stack
from swarmproof.cluster import Cluster
from swarmproof.waits import Wait

pytestmark = pytest.mark.mesh

STACK_FILE = Path(__file__).resolve().parent.parent / "infra" / "stack" / "mesh-probe.yml"
CONNECTIONS = 12  # per node: four full rounds over three replicas


@pytest.fixture(scope="module")
def mesh_probe(swarm_cluster: Cluster, swarmproof_images: dict[str, str]) -> Iterator[dict[str, dict[str, str]]]:
    """Deploy the probes; yield service -> {task container name: hostname}."""
    manager = swarm_cluster.nodes[0]
    stack.deploy(manager, "meshprobe", STACK_FILE, {"SWARMPROOF_BASE_IMAGE": swarmproof_images["base"]})
    try:
        yield {
            "mesh": stack.wait_replicas(manager.docker, "meshprobe_mesh", 3),
            "hostmode": stack.wait_replicas(manager.docker, "meshprobe_hostmode", 2),
        }
    finally:
        stack.remove(manager, "meshprobe")


@pytest.mark.requires("ip_vs")
def test_mesh_round_robin_probe(swarm_cluster: Cluster, mesh_probe: dict[str, dict[str, str]]) -> None:
    replicas = set(mesh_probe["mesh"])
    without_task = [n.hostname for n in swarm_cluster.nodes if n.hostname not in mesh_probe["mesh"].values()]
    assert without_task, "the probe must leave one node without a task"
    for node in swarm_cluster.nodes:
        endpoint = node.endpoint(8080)
        # The mesh is programmed a moment after the tasks run: wait for a first answer.
        Wait(what=f"an answer through the mesh on {node.hostname}:8080", probe=lambda e=endpoint: probes.served_by(e),
             timeout=60, hint="the ingress network's IPVS rules on the node").until()
        seen = probes.answers(endpoint, CONNECTIONS)
        assert probes.rotation_is_even(seen, replicas), (
            f"{node.hostname}:8080 (task here: {node.hostname not in without_task}) answered {seen}; "
            f"expected a rotation over {sorted(replicas)}")


def test_host_mode_answers_only_where_a_task_runs(swarm_cluster: Cluster,
                                                  mesh_probe: dict[str, dict[str, str]]) -> None:
    tasks_on = {hostname: name for name, hostname in mesh_probe["hostmode"].items()}
    for node in swarm_cluster.nodes:
        endpoint = node.endpoint(8081)
        if node.hostname in tasks_on:
            seen = set(probes.answers(endpoint, 4))
            assert seen == {tasks_on[node.hostname]}, (
                f"{node.hostname}:8081 in host mode answered {seen}; expected only its own task "
                f"{tasks_on[node.hostname]}")
        else:
            answered = probes.refuses(endpoint)
            assert answered is None, f"{node.hostname} runs no hostmode task, yet {answered} answered on 8081"
