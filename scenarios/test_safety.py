"""Nothing of a run is reachable from beyond this machine: every port it publishes binds
loopback, and the only Docker API on TCP (the VM's engine) refuses a client without the
run's certificate. Read-only: it inspects the running cluster."""

from __future__ import annotations

import ssl
import urllib.error
import urllib.request

import pytest

from swarmproof.cluster import Cluster
from swarmproof.safety import not_loopback, process_bindings

pytestmark = [pytest.mark.swarm]


def test_every_port_the_nodes_publish_binds_loopback(swarm_cluster: Cluster) -> None:
    engine = swarm_cluster.ctx.engine
    bindings = swarm_cluster.provider.published()
    assert len(bindings) >= len(swarm_cluster.nodes), f"the nodes publish their ports: found only {bindings}"
    # In the VM the nodes publish on the guest's only interface, reached only through qemu.
    beyond = not_loopback(bindings, also_allowed=[engine.publish_address])
    assert not beyond, "published beyond loopback: " + "; ".join(map(str, beyond))


def test_no_node_dockerd_listens_on_tcp(swarm_cluster: Cluster) -> None:
    for node in swarm_cluster.nodes:
        listeners = node.sh("pgrep -a dockerd").checked()
        assert "dockerd" in listeners, f"no dockerd seen on {node.hostname}: {listeners}"
        assert "tcp://" not in listeners, f"{node.hostname}'s dockerd listens on TCP: {listeners}"


@pytest.mark.engine
def test_the_vm_listens_on_loopback_only_and_its_engine_wants_the_runs_certificate(swarm_cluster: Cluster) -> None:
    engine = swarm_cluster.ctx.engine
    listener = engine.listener
    if listener is None:
        pytest.skip("only the VM engine listens on TCP (qemu's forwards, the VM's dockerd): this run uses "
                    f"the {engine.kind} engine")
    bindings = process_bindings(listener.pid, f"qemu {listener.pid}")
    assert any(b.port == listener.port for b in bindings), f"qemu's engine forward not found among {bindings}"
    beyond = not_loopback(bindings)
    assert not beyond, "qemu listens beyond loopback: " + "; ".join(map(str, beyond))
    trusting_the_vm = ssl.create_default_context(cafile=str(listener.ca))
    trusting_the_vm.check_hostname = False
    with pytest.raises((ssl.SSLError, urllib.error.URLError, ConnectionError)):
        urllib.request.urlopen(f"https://127.0.0.1:{listener.port}/version", context=trusting_the_vm, timeout=30)
