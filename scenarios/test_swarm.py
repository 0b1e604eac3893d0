"""The swarm itself: three managers as in the walkthrough, one leader, a healthy raft
quorum, every node's daemon and swarm ports, and the overlay network ``mynet``."""

from __future__ import annotations

import pytest

from swarmproof import asserts, swarm
from swarmproof.cluster import Cluster
from swarmproof.inventory import MANAGERS
from swarmproof.plugin.state import state

pytestmark = pytest.mark.swarm


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Each node of the session's swarm by its name (the inventory's with --provider ssh):
    ``hostname`` every node, ``manager`` the managers (the first three)."""
    hostnames = state(metafunc.config).settings.hostnames
    for name, values in (("hostname", hostnames), ("manager", hostnames[:MANAGERS])):
        if name in metafunc.fixturenames:
            metafunc.parametrize(name, values)


def test_three_managers_ready(swarm_cluster: Cluster) -> None:
    asserts.assert_managers(swarm_cluster.members(), size=3)


def test_exactly_one_leader(swarm_cluster: Cluster) -> None:
    asserts.assert_one_leader(swarm_cluster.members())


def test_raft_quorum_healthy_seen_from(swarm_cluster: Cluster, manager: str) -> None:
    """Every manager sees the quorum whole and the same leader, and can act as a manager."""
    hostname = manager
    node = swarm_cluster.node(hostname)
    view = swarm.members(node.docker)
    asserts.assert_quorum(view)
    asserts.assert_one_leader(view)
    assert [m.hostname for m in swarm.leaders(view)] == [m.hostname for m in swarm.leaders(swarm_cluster.members())]
    info = node.docker.info().swarm
    assert info.control_available, f"{hostname} does not accept manager commands"
    expected = (MANAGERS, len(swarm_cluster.nodes))
    assert (info.managers, info.nodes) == expected, f"{hostname} counts managers/nodes {info.managers}/{info.nodes}"


def test_node_daemon_and_swarm_ports(swarm_cluster: Cluster, hostname: str) -> None:
    host = swarm_cluster.node(hostname).host
    assert host.process.filter(comm="dockerd"), f"no dockerd process on {hostname}"
    assert host.socket("tcp://2377").is_listening, f"{hostname} does not listen on 2377/tcp (cluster management)"
    assert host.socket("tcp://7946").is_listening, f"{hostname} does not listen on 7946/tcp (gossip)"
    assert host.socket("udp://7946").is_listening, f"{hostname} has no 7946/udp socket (gossip)"


def test_vxlan_port_bound_with_overlay_in_use(swarm_cluster: Cluster, overlay_in_use: str, hostname: str) -> None:
    host = swarm_cluster.node(hostname).host
    assert host.socket("udp://0.0.0.0:4789").is_listening, (
        f"{hostname} runs a task of {overlay_in_use} on {swarm_cluster.network} but 4789/udp (VXLAN) is not bound")


def test_mynet_is_swarm_overlay_on_every_manager(swarm_cluster: Cluster, manager: str) -> None:
    hostname = manager
    docker = swarm_cluster.node(hostname).docker
    name = swarm_cluster.network
    found = [n for n in docker.network.list(filters=[("name", name)]) if n.name == name]
    assert found, f"{swarm_cluster.network} is not visible from {hostname}"
    network = found[0]
    assert (network.driver, network.scope) == ("overlay", "swarm"), (
        f"{swarm_cluster.network} on {hostname} is {network.driver}/{network.scope}, expected overlay/swarm")
