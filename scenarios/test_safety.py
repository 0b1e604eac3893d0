"""Nothing of a run is reachable from beyond this machine: every port it publishes binds
loopback, and the only Docker API on TCP (the VM's engine) refuses a client without the
run's certificate. Read-only: it inspects the running cluster."""

from __future__ import annotations

import ssl
import urllib.error
import urllib.request

import pytest

from swarmproof.cluster import Cluster
from swarmproof.engine import Engine
from swarmproof.run import LABEL_RUN
from swarmproof.safety import Binding, container_bindings, not_loopback, process_bindings

pytestmark = [pytest.mark.swarm]


def published(engine: Engine, run_id: str) -> list[Binding]:
    containers = engine.client.containers.list(filters={"label": f"{LABEL_RUN}={run_id}"}, ignore_removed=True)
    return [b for c in containers for b in container_bindings(c.name, c.attrs["NetworkSettings"]["Ports"])]


def test_every_port_the_nodes_publish_binds_loopback(swarm_cluster: Cluster) -> None:
    engine = swarm_cluster.ctx.engine
    bindings = published(engine, swarm_cluster.ctx.run.run_id)
    assert len(bindings) >= len(swarm_cluster.nodes), f"the nodes publish their ports: found only {bindings}"
    # In the VM the nodes publish on the guest's only interface, reached only through qemu.
    beyond = not_loopback(bindings, also_allowed=[engine.publish_address] if engine.kind == "vm" else [])
    assert not beyond, "published beyond loopback: " + "; ".join(map(str, beyond))


def test_no_node_dockerd_listens_on_tcp(swarm_cluster: Cluster) -> None:
    for node in swarm_cluster.nodes:
        listeners = node.sh("pgrep -a dockerd").checked()
        assert "dockerd" in listeners, f"no dockerd seen on {node.hostname}: {listeners}"
        assert "tcp://" not in listeners, f"{node.hostname}'s dockerd listens on TCP: {listeners}"


def test_the_vm_listens_on_loopback_only_and_its_engine_wants_the_runs_certificate(swarm_cluster: Cluster) -> None:
    engine = swarm_cluster.ctx.engine
    if engine.kind != "vm":
        pytest.skip("only the VM engine listens on TCP (qemu's forwards, the VM's dockerd): this run uses "
                    f"the {engine.kind} engine")
    vm = engine.vm  # type: ignore[attr-defined]
    pid = int((vm.workdir / "qemu.pid").read_text())
    bindings = process_bindings(pid, f"qemu {pid}")
    assert any(b.port == vm.engine_port for b in bindings), f"qemu's engine forward not found among {bindings}"
    beyond = not_loopback(bindings)
    assert not beyond, "qemu listens beyond loopback: " + "; ".join(map(str, beyond))
    trusting_the_vm = ssl.create_default_context(cafile=str(vm.tls.ca))
    trusting_the_vm.check_hostname = False
    with pytest.raises((ssl.SSLError, urllib.error.URLError, ConnectionError)):
        urllib.request.urlopen(f"https://127.0.0.1:{vm.engine_port}/version", context=trusting_the_vm, timeout=30)
