"""Fixtures shared by the scenarios of this repository (the harness's own are in the plugin)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from swarmproof import stack
from swarmproof.cluster import Cluster

STACKS = Path(__file__).resolve().parent.parent / "infra" / "stack"


@pytest.fixture(scope="module")
def overlay_in_use(swarm_cluster: Cluster, swarmproof_images: dict[str, str]) -> Iterator[str]:
    """A global service on ``mynet`` with a running task on every node; yields its name."""
    manager = swarm_cluster.nodes[0]
    stack.deploy(manager, "overlayprobe", STACKS / "overlay-probe.yml",
                 {"SWARMPROOF_BASE_IMAGE": swarmproof_images["base"]})
    try:
        stack.wait_on_every_node(manager.docker, "overlayprobe_probe", [n.hostname for n in swarm_cluster.nodes],
                                 timeout=90.0 * swarm_cluster.pace.slowdown)
        yield "overlayprobe_probe"
    finally:
        stack.remove(manager, "overlayprobe")
