"""Benchmark of the stack: prints seconds per phase, one per line. Not a test.

    .venv/bin/python bench/stack.py [--engine local|vm] [--rounds N]

Each round provisions a fresh swarm (not timed here: see provision.py and vm.py), then
times the stack's images reaching the nodes (on the VM they are there from the seed: a
check only), `docker stack deploy` of infra/stack/stack.yml, deploy -> converged (every service
at n/n, etcd healthy, three Galera members Synced and Primary) and the WordPress
installation over HTTP (only where the engine's kernel has ip_vs: WordPress reaches its
database through the VIP). Target with warm images on a 2-core machine: deploy ->
converged <= 30 s.

``--timeline`` also prints, for each round, where the convergence went: seconds from the
start of the deploy to each task's start and to swarm counting it running (after its first
passing healthcheck), and to the Galera members' milestones in their logs (the bootstrap
election, joining, state transfers, Synced).
"""

from __future__ import annotations

import argparse
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from report import print_medians

from swarmproof import command, stack
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


# Galera log lines that mark a member's way to Synced (MariaDB 10.11, Galera 4).
MILESTONES = re.compile(r"galera-entrypoint: (won the bootstrap election|joining registered members)|"
                        r"ready for connections|Shifting \S+ -> \S+|State transfer required|"
                        r"(IST|SST) (received|completed|started|request)|Member \S+ synced", re.IGNORECASE)


def seconds(stamp: str, since: float) -> float:
    """A log line's RFC 3339 timestamp with nanoseconds as seconds after ``since`` (epoch)."""
    whole, _, fraction = stamp.rstrip("Z").partition(".")
    return datetime.fromisoformat(whole + "+00:00").timestamp() + float(f"0.{fraction or 0}") - since


def timeline(deployment: Deployment, since: float) -> list[tuple[float, str]]:
    """(seconds after ``since``, event) for every task of the stack and the Galera milestones."""
    manager = deployment.cluster.manager().docker
    call = manager.client_config.client_call
    events = []
    for name in ("etcd", "mysql-galera", "wordpress"):
        for task in stack.tasks(manager, deployment.service(name)):
            slot = f"{name}.{task.slot or str(task.node_id)[:6]}"
            events.append((task.created_at.timestamp() - since, f"{slot}: task created"))
            events.append((task.status.timestamp.timestamp() - since, f"{slot}: {task.status.state}"))
    logs = command.run([*call, "service", "logs", "--timestamps", "--no-task-ids", deployment.service("mysql-galera")],
                       timeout=120)
    for line in logs.splitlines():
        stamp, _, rest = line.partition(" ")
        found = MILESTONES.search(rest)
        if found and stamp[:1].isdigit():
            events.append((seconds(stamp, since), f"{rest.split('|')[0].strip()}: {found.group(0)}"))
    return sorted(events)


def one_round(kind: str, local: Engine, tags: dict[str, str], show_timeline: bool = False) -> dict[str, float]:
    run = Run()
    with node_engine(kind, local, tags, run) as engine:
        capabilities = probe(engine.client, engine.info, tags["node"], run)
        progress = Progress(print)
        with Cluster(Settings(engine=kind), engine, run, progress, tags, capabilities) as cluster:
            deployment = Deployment(cluster, tags)
            began = time.time()
            deployment.converge(capabilities.ip_vs, progress)
            for at, event in timeline(deployment, began) if show_timeline else ():
                print(f"  {at:6.1f} s  {event}")
    timings = {phase: progress.timings[phase] for phase in PHASES if phase in progress.timings}
    timings["deploy -> converged"] = timings[PHASES[1]] + timings[PHASES[2]]
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=("local", "vm"), default="local")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--timeline", action="store_true", help="print where each round's convergence went")
    options = parser.parse_args()
    local = Engine.connect()
    sweep_crashed(local, Progress(print))
    tags = ImageBuilder(local.client, local.cli, Progress()).ensure()
    results = [one_round(options.engine, local, tags, options.timeline) for _ in range(options.rounds)]
    print(f"engine: {options.engine}")
    print_medians(results)


if __name__ == "__main__":
    main()
