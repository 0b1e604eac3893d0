"""Service discovery on mynet, seen from a container attached to it: each service name
resolves to exactly its virtual IP, ``tasks.<name>`` to exactly its tasks' addresses, and
follows a scaled service."""

from __future__ import annotations

import pytest

from swarmproof import discovery
from swarmproof.deployment import Deployment
from swarmproof.waits import Wait

pytestmark = pytest.mark.dns

NAMES = ("mysql-galera", "etcd", "wordpress")


def resolve(deployment: Deployment, base_image: str, names: list[str]) -> dict[str, set[str]]:
    """Resolve names from one throwaway container on mynet on the first node; name -> addresses."""
    return discovery.resolve(deployment.cluster.nodes[0], base_image, deployment.cluster.network, names)


@pytest.fixture(scope="module")
def answers(galera_stack: Deployment, swarmproof_images: dict[str, str]) -> dict[str, set[str]]:
    return resolve(galera_stack, swarmproof_images["base"], [*NAMES, *(f"tasks.{n}" for n in NAMES)])


@pytest.mark.parametrize("name", NAMES)
def test_service_name_resolves_to_exactly_its_vip(galera_stack: Deployment, answers: dict[str, set[str]],
                                                  name: str) -> None:
    expected = discovery.vip(galera_stack, name)
    assert answers[name] == {expected}, f"{name} resolves to {sorted(answers[name])}; its VIP on mynet is {expected}"


def test_tasks_name_resolves_to_exactly_the_three_galera_tasks(galera_stack: Deployment,
                                                              answers: dict[str, set[str]]) -> None:
    expected = {discovery.task_address(galera_stack, t) for t in galera_stack.tasks("mysql-galera")}
    assert len(expected) == 3
    assert answers["tasks.mysql-galera"] == expected, (
        f"tasks.mysql-galera resolves to {sorted(answers['tasks.mysql-galera'])}; the tasks are at {sorted(expected)}")


@pytest.mark.disturbs
def test_tasks_name_follows_a_scaled_service(galera_stack: Deployment, swarmproof_images: dict[str, str]) -> None:
    manager = galera_stack.cluster.nodes[0].docker
    # WordPress replicas are stateless: scaling them disturbs nothing else.
    service = galera_stack.service("wordpress")
    replicas = galera_stack.deployed()["wordpress"]

    def lookup() -> set[str]:
        return resolve(galera_stack, swarmproof_images["base"], ["tasks.wordpress"])["tasks.wordpress"]

    manager.service.scale({service: replicas + 1}, detach=True)
    try:
        Wait(what=f"tasks.wordpress to resolve to {replicas + 1} addresses after scaling wordpress to {replicas + 1}",
             probe=lookup, done=lambda addresses: len(addresses) == replicas + 1, timeout=300, interval=2.0).until()
    finally:
        manager.service.scale({service: replicas}, detach=True)
    Wait(what=f"tasks.wordpress back to {replicas} addresses after scaling wordpress back to {replicas}",
         probe=lookup, done=lambda addresses: len(addresses) == replicas, timeout=300, interval=2.0).until()


@pytest.mark.engine
@pytest.mark.requires("ip_vs")
def test_traffic_through_the_galera_vip_reaches_a_member(galera_stack: Deployment,
                                                         swarmproof_images: dict[str, str]) -> None:
    manager = galera_stack.cluster.nodes[0].docker
    output = manager.run(swarmproof_images["base"],
                         ["bash", "-c", "timeout 10 bash -c '</dev/tcp/mysql-galera/3306' && echo connected"],
                         remove=True, networks=[galera_stack.cluster.network])
    assert "connected" in str(output), "no TCP connection through the mysql-galera VIP to port 3306"
