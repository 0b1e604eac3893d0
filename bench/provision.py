"""Benchmark of provisioning: prints seconds per phase, one per line. Not a test.

    .venv/bin/python bench/provision.py [--rounds N]

Phases: warm image check (recipes hashed, nothing to rebuild), three nodes started,
swarm formed (three managers Ready, one Leader; counted from the first node's start),
images distributed to the nodes, teardown. Targets on a 2-core machine: swarm formed
<= 15 s after the first node starts; warm image check <= 10 s.
"""

from __future__ import annotations

import argparse
import time

from report import print_medians

from swarmproof.capabilities import probe
from swarmproof.cluster import Cluster
from swarmproof.config import Settings
from swarmproof.engine import Engine, sweep_crashed
from swarmproof.images import ImageBuilder
from swarmproof.progress import Progress
from swarmproof.run import Run


def one_round(engine: Engine) -> dict[str, float]:
    progress = Progress()
    started = time.monotonic()
    builder = ImageBuilder(engine.client, engine.cli, progress)
    tags = builder.ensure()
    warm = time.monotonic() - started
    run = Run()
    capabilities = probe(engine.client, engine.info, tags["node"], run)
    cluster = Cluster(Settings(), engine, run, progress, tags, capabilities)
    with cluster:
        pass
    t = progress.timings
    return {
        "warm image check": warm,
        "three nodes started": t["starting nodes"],
        "swarm formed after first node start": t["starting nodes"] + t["forming swarm"],
        "images distributed to nodes": t["distributing images to nodes"],
        "teardown": t["tearing down"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    rounds = parser.parse_args().rounds
    engine = Engine.connect()
    print(f"engine: {engine.describe()}")
    sweep_crashed(engine, Progress(print))
    results = [one_round(engine) for _ in range(rounds)]
    print_medians(results)


if __name__ == "__main__":
    main()
