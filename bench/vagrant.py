"""Benchmark of the vagrant provider: prints seconds per phase, one per line. Not a test.

    .venv/bin/python bench/vagrant.py [--cold]

Phases: box build (cold: into an empty cache, not added to Vagrant; only with --cold), box
check (warm: built and added already), three hosts up and the swarm formed (`vagrant up`, the
hosts reached over SSH, three managers, mynet), of which each part, the mesh probe (a service
on 8080, 12 connections through each host's port), destroy (`vagrant destroy` and the
libvirt sweep). Needs `bash infra/vagrant/setup.sh` first.
Target under TCG here: three hosts up and the swarm formed <= 3 min.
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
from swarmproof.engine import Engine, sweep_crashed
from swarmproof.images import ImageBuilder
from swarmproof.progress import Progress
from swarmproof.providers.vagrant import VagrantProvider
from swarmproof.run import Run
from swarmproof.vagrant_box import VagrantBox, box_for


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cold", action="store_true", help="also build the box into an empty cache")
    cold = parser.parse_args().cold
    local = Engine.connect()
    sweep_crashed(local, Progress(print))
    progress = Progress()
    tags = ImageBuilder(local.client, local.cli, progress).ensure()
    settings, run = Settings(provider="vagrant", engine="local"), Run()
    VagrantProvider.preflight(settings, run)
    box = box_for(tags, progress, local.cli)
    if cold:
        with tempfile.TemporaryDirectory(prefix="swarmproof-bench-cache-") as cache:
            timed("box build (cold)", VagrantBox(progress, box.preload, local.cli, root=Path(cache)).ensure)
    timed("box check (warm)", box.add)
    capabilities = VagrantProvider.capabilities(settings, run, probe(local.client, local.info, tags["node"], run))
    cluster = Cluster(settings, local, run, progress, tags, capabilities)
    try:
        timed("three hosts up and the swarm formed", cluster.__enter__)
        for phase, seconds in progress.timings.items():
            print(f"  of which {phase}: {seconds:.1f} s")
        timed("mesh probe", lambda: mesh_probe(cluster, tags["base"]))
    finally:
        timed("destroy", cluster.teardown)


if __name__ == "__main__":
    main()
