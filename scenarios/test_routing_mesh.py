"""The ingress routing mesh: first with a small service that answers with its task's name,
independent of the application stack (``infra/stack/mesh-probe.yml``), then as the
walkthrough shows it: Galera's 3306 and WordPress's 80, published on every node, answered
by every task in rotation, including through a node that runs no task of the service."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest

from swarmproof import probes, stack
from swarmproof.cluster import Cluster
from swarmproof.deployment import Deployment

pytestmark = pytest.mark.mesh

STACK_FILE = Path(__file__).resolve().parent.parent / "infra" / "stack" / "mesh-probe.yml"
CONNECTIONS = 12  # per node: four full rounds over three replicas
# Sized for the emulated VM with the Galera stack running beside the probes.
CONVERGE_TIMEOUT = 300.0


@pytest.fixture(scope="module")
def mesh_probe(swarm_cluster: Cluster, swarmproof_images: dict[str, str]) -> Iterator[dict[str, dict[str, str]]]:
    """Deploy the probes; yield service -> {task container name: hostname}."""
    manager = swarm_cluster.nodes[0]
    stack.deploy(manager, "meshprobe", STACK_FILE, {"SWARMPROOF_BASE_IMAGE": swarmproof_images["base"]})
    try:
        yield {
            "mesh": stack.wait_replicas(manager.docker, "meshprobe_mesh", 3, timeout=CONVERGE_TIMEOUT),
            "hostmode": stack.wait_replicas(manager.docker, "meshprobe_hostmode", 2, timeout=CONVERGE_TIMEOUT),
        }
    finally:
        stack.remove(manager, "meshprobe")


@pytest.mark.engine
@pytest.mark.requires("ip_vs")
def test_mesh_round_robin_probe(swarm_cluster: Cluster, mesh_probe: dict[str, dict[str, str]]) -> None:
    replicas = set(mesh_probe["mesh"])
    without_task = [n.hostname for n in swarm_cluster.nodes if n.hostname not in mesh_probe["mesh"].values()]
    assert without_task, "the probe must leave one node without a task"
    for node in swarm_cluster.nodes:
        seen = probes.every_replica_answering(node.endpoint(8080), replicas, CONNECTIONS,
                                              timeout=60 * swarm_cluster.pace.slowdown)
        assert probes.rotation_is_even(seen, replicas), (
            f"{node.hostname}:8080 (task here: {node.hostname not in without_task}) answered {probes.spread(seen)}; "
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


@pytest.mark.engine
@pytest.mark.requires("ip_vs")
def test_galera_answers_in_rotation_through_every_nodes_3306(swarm_cluster: Cluster,
                                                            galera_stack: Deployment) -> None:
    members = {t.container for t in galera_stack.tasks("mysql-galera")}
    ask = partial(probes.mysql_served_by, password=galera_stack.passwords.root)
    for node in swarm_cluster.nodes:
        seen = probes.every_replica_answering(node.endpoint(3306), members, CONNECTIONS, ask,
                                              timeout=60 * swarm_cluster.pace.slowdown)
        assert probes.rotation_is_even(seen, members), (
            f"`SELECT @@hostname` through {node.hostname}:3306 was answered {probes.spread(seen)}; "
            f"expected a rotation over the Galera tasks {sorted(members)}")


@pytest.mark.engine
@pytest.mark.requires("ip_vs")
def test_wordpress_answers_in_rotation_through_every_nodes_80(swarm_cluster: Cluster,
                                                             galera_stack: Deployment) -> None:
    tasks = galera_stack.tasks("wordpress")
    replicas = {t.container for t in tasks}
    without_task = {n.hostname for n in swarm_cluster.nodes} - {t.node.hostname for t in tasks}
    assert without_task, f"two WordPress replicas should leave a node without one: {[t.container for t in tasks]}"
    # wp-login.php answers whatever the site URL is; the front page would redirect to it.
    ask = partial(probes.served_by, path="/wp-login.php", timeout=probes.HTTP_TIMEOUT * swarm_cluster.pace.slowdown)
    for node in swarm_cluster.nodes:
        seen = probes.every_replica_answering(node.endpoint(80), replicas, CONNECTIONS, ask,
                                              timeout=60 * swarm_cluster.pace.slowdown)
        assert probes.rotation_is_even(seen, replicas), (
            f"{node.hostname}:80 (runs a WordPress task: {node.hostname not in without_task}) was answered by "
            f"{probes.spread(seen)}; expected a rotation over {sorted(replicas)}")
