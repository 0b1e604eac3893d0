"""The stack-independent mesh probe the VM and Vagrant benchmarks time: a service published on
8080 with a replica on each node, and 12 connections through each node's port answered."""

from __future__ import annotations

from pathlib import Path

from swarmproof import probes, stack
from swarmproof.cluster import Cluster
from swarmproof.waits import Wait

MESH_STACK = Path(__file__).resolve().parent.parent / "infra" / "stack" / "mesh-probe.yml"


def mesh_probe(cluster: Cluster, base: str) -> None:
    manager = cluster.nodes[0]
    stack.deploy(manager, "meshprobe", MESH_STACK, {"SWARMPROOF_BASE_IMAGE": base})
    stack.wait_replicas(manager.docker, "meshprobe_mesh", 3, timeout=600)
    for node in cluster.nodes:
        Wait(what=f"mesh answer on {node.hostname}", probe=lambda n=node: probes.served_by(n.endpoint(8080)),
             timeout=120).until()
        probes.answers(node.endpoint(8080), 12)
