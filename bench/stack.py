"""Benchmark of the stack: prints seconds per phase, one per line. Not a test.

    .venv/bin/python bench/stack.py [--engine local|vm] [--rounds N]

Each round provisions a fresh swarm (not timed here: see provision.py and vm.py), then
times the stack's images reaching the nodes (on the VM they are there from the seed: a
check only), `docker stack deploy` of infra/stack/stack.yml, deploy -> converged (every service
at n/n, etcd healthy, three Galera members Synced and Primary) and the WordPress
installation over HTTP (only where the engine's kernel has ip_vs: WordPress reaches its
database through the VIP). Target with warm images on a 2-core machine: deploy ->
converged <= 60 s.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager

from report import print_medians

from swarmproof.capabilities import probe
from swarmproof.cluster import Cluster
from swarmproof.config import Settings
from swarmproof.deployment import Deployment
from swarmproof.engine import Engine, choose, open_engine, sweep_crashed
from swarmproof.images import ImageBuilder
from swarmproof.progress import Progress
from swarmproof.run import Run

PHASES = ("distributing etcd, galera, wordpress to nodes", "deploying the galera stack",
          "waiting for the stack to converge", "installing WordPress over HTTP")


@contextmanager
def node_engine(kind: str, local: Engine, tags: dict[str, str], run: Run) -> Iterator[Engine]:
    engine = open_engine(choose(kind, None), local, tags, run, keep=False, progress=Progress(print), shared=False,
                         attach=False)
    try:
        yield engine
    finally:
        engine.close()


def one_round(kind: str, local: Engine, tags: dict[str, str]) -> dict[str, float]:
    run = Run()
    with node_engine(kind, local, tags, run) as engine:
        capabilities = probe(engine.client, engine.info, tags["node"], run)
        progress = Progress(print)
        with Cluster(Settings(engine=kind), engine, run, progress, tags, capabilities) as cluster:
            Deployment(cluster, tags).converge(capabilities.ip_vs, progress)
    timings = {phase: progress.timings[phase] for phase in PHASES if phase in progress.timings}
    timings["deploy -> converged"] = timings[PHASES[1]] + timings[PHASES[2]]
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=("local", "vm"), default="local")
    parser.add_argument("--rounds", type=int, default=1)
    options = parser.parse_args()
    local = Engine.connect()
    sweep_crashed(local, Progress(print))
    tags = ImageBuilder(local.client, local.cli, Progress()).ensure()
    results = [one_round(options.engine, local, tags) for _ in range(options.rounds)]
    print(f"engine: {options.engine}")
    print_medians(results)


if __name__ == "__main__":
    main()
