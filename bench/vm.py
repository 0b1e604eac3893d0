"""Benchmark of the VM engine: prints seconds per phase, one per line. Not a test.

    .venv/bin/python bench/vm.py [--cold]

Phases: VM image build (cold: into an empty cache, only with --cold), warm VM image check
(nothing to do), VM boot until its engine answers over TLS, node and base images available
inside the VM, swarm formed inside the VM (nodes started with every task image from the
seed, three managers Ready, one Leader), the mesh probe (deployed, converged, 12 connections through each node's port).
Targets under TCG here: VM boot <= 60 s; warm VM image check <= 10 s.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from mesh import mesh_probe
from report import timed

from swarmproof.capabilities import probe
from swarmproof.cluster import Cluster
from swarmproof.config import Settings
from swarmproof.engine import Engine, VmEngine, sweep_crashed, vm_image_for
from swarmproof.images import TASK_IMAGES, ImageBuilder
from swarmproof.progress import Progress
from swarmproof.run import Run
from swarmproof.vm import Vm, VmImage, choose_accel


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cold", action="store_true", help="also build the VM image into an empty cache")
    cold = parser.parse_args().cold
    local = Engine.connect()
    sweep_crashed(local, Progress(print))
    progress = Progress()
    tags = ImageBuilder(local.client, local.cli, progress).ensure()
    preload = [tags["node"], tags["base"]]
    seed = [tags[name] for name in TASK_IMAGES]
    if cold:
        with tempfile.TemporaryDirectory(prefix="swarmproof-bench-cache-") as cache:
            timed("VM image build (cold)",
                  lambda: VmImage(progress, preload, seed, local.cli, root=Path(cache)).ensure())
    image = timed("VM image check (warm)", lambda: vm_image_for(tags, progress, local.cli).ensure())
    accel, why = choose_accel(image)
    print(f"accelerator: {accel} ({why})")
    run = Run()
    vm = timed("VM boot until its engine answers", lambda: Vm(run, image, progress, accel=accel).__enter__())
    try:
        engine = VmEngine(vm, local)
        timed("node and base images available in the VM", lambda: engine.ensure_images(preload))
        capabilities = probe(engine.client, engine.info, tags["node"], run)
        cluster = Cluster(Settings(), engine, run, progress, tags, capabilities)
        timed("swarm formed in the VM (nodes from the seed, swarm, mynet)", cluster.__enter__)
        for phase in ("starting nodes", "forming swarm", "distributing images to nodes"):
            print(f"  of which {phase}: {progress.timings[phase]:.1f} s")
        timed("mesh probe", lambda: mesh_probe(cluster, tags["base"]))
    finally:
        vm.stop()


if __name__ == "__main__":
    main()
