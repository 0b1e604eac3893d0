"""Gating a release: the walkthrough stack changed while it runs, as a release changes it.

WordPress rolls from v1 to v2 one task at a time, start-first: the old task serves until
its successor is healthy, and afterwards every replica answers v2. Galera rolls one member
at a time, each leaving by a clean shutdown before its successor joins: two members stay
Primary throughout, each successor catches up (by IST where a donor's gcache holds what it
lacks), and the workload loses no acknowledged write. A release whose WordPress never turns
healthy is rolled back by swarm: the harness reports that as the failure it is where a
completion was expected (``swarmproof deploy --wait`` exits 1, where ``docker stack
deploy`` exited 0), and as a pass where the rollback was the point. A stack whose update
stops watching new tasks before their healthcheck can fail them is refused before it is
deployed. A node is drained for maintenance and made active again: its tasks move, nothing
is lost, and it takes tasks again. Every node loses power at once and comes back: the swarm
elects a leader, the Galera cluster is bootstrapped again from its most advanced member (each
member's datadir is kept on its node), and every write acknowledged before the cut is there.

Clients through the routing mesh (every node's 80) need ip_vs: those checks skip with the
reason where the engine lacks it, and every other check runs. ``test_a_release_probe...``
checks the same through a WordPress-only stack, on engines too slow for the whole stack.
Each test starts from the release the stack started with.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from swarmproof import chaos, stack
from swarmproof.asserts import assert_held_throughout, assert_workload_intact
from swarmproof.cluster import Cluster
from swarmproof.deployment import Deployment
from swarmproof.errors import StackFileError
from swarmproof.galera import Restart, state_transfer
from swarmproof.http_clients import HttpClients
from swarmproof.release import seconds
from swarmproof.swarm import drained
from swarmproof.timeline import TimelineRecorder
from swarmproof.upgrade import Report, release
from swarmproof.waits import Wait
from swarmproof.watch import Watch
from swarmproof.writer import DATABASE

pytestmark = pytest.mark.release

ROOT = Path(__file__).resolve().parent.parent
PROBE_FILE = ROOT / "infra" / "stack" / "release-probe.yml"
PROBE_STACK = "releaseprobe"
DRAIN_TIMEOUT = 600.0
# From power back to three members Synced: each recovers its position, waits for the others
# of its last Primary component, one bootstraps, the other two catch up.
COLD_START_TIMEOUT = 900.0


@pytest.fixture
def first_release(galera_stack: Deployment) -> Iterator[Deployment]:
    """The stack at the release it started with (put back first if an earlier test left
    another), and put back afterwards."""
    back_to_start(galera_stack)
    yield galera_stack
    back_to_start(galera_stack)


def back_to_start(deployment: Deployment) -> None:
    """Deploy the recipes' own images again: nothing to do where they run, a release back
    where a test left another (completed, paused or half done)."""
    deployment.upgrade(images={name: name for name in ("wordpress", "galera", *deployment.released)})


def served_releases(deployment: Deployment) -> dict[str, str]:
    """WordPress task -> the release it answers with (asked inside each task: no mesh needed)."""
    return {task.container: header(deployment.exec(task, ["curl", "-sS", "-o", "/dev/null", "-D", "-",
                                                         "http://127.0.0.1/readme.html"]))
            for task in deployment.tasks("wordpress")}


def header(response: str, name: str = "X-Swarmproof-Release") -> str:
    lines = [line.split(":", 1)[1].strip() for line in response.splitlines() if line.lower().startswith(name.lower())]
    return lines[0] if lines else "(none)"


def member_releases(deployment: Deployment) -> dict[str, str]:
    """Galera member -> the release of the image it runs."""
    return {task.container: deployment.exec(task, ["cat", "/etc/swarmproof-release"]).strip()
            for task in deployment.tasks("mysql-galera")}


def assert_one_task_at_a_time(report: Report, service: str, replicas: int) -> None:
    """Each of ``replicas`` tasks replaced in a step of its own, all running in the end,
    and (start-first) never fewer than ``replicas`` tasks running."""
    __tracebackhide__ = True
    steps, counts = report.batches(service), report.running_counts(service)
    assert len(steps) == replicas and all(step.running is not None for step in steps), report.summary()
    assert not report.overlapping(service), f"more than one task replaced at once:\n{report.summary()}"
    assert counts[-1][1:] == (0, replicas), f"(seconds, old, new) running: {counts}"


def test_wordpress_rolls_to_v2_one_task_at_a_time_and_every_replica_answers_v2(
        first_release: Deployment, record_property: Callable[[str, object], None]) -> None:
    deployment = first_release
    service, replicas = deployment.service("wordpress"), deployment.deployed()["wordpress"]
    assert set(served_releases(deployment).values()) == {"v1"}
    report = deployment.upgrade(images={"wordpress": "wordpress_v2"})
    print(report.summary())
    record_property("wordpress_update_s", round(report.seconds, 1))
    assert report.phases[service] == "completed"
    assert_one_task_at_a_time(report, service, replicas)
    counts = report.running_counts(service)
    assert min(old + new for _, old, new in counts) >= replicas, f"start-first let the running tasks drop: {counts}"
    assert set(served_releases(deployment).values()) == {"v2"}, served_releases(deployment)


@pytest.mark.requires("ip_vs")
def test_clients_through_every_node_see_no_failed_request_while_wordpress_rolls(
        first_release: Deployment, swarm_cluster: Cluster, record_property: Callable[[str, object], None]) -> None:
    deployment = first_release
    endpoints = {node.hostname: node.endpoint(80) for node in swarm_cluster.nodes}
    # A page WordPress reads from its database (the REST API's posts): no redirect to another port.
    with HttpClients(endpoints, path="/?rest_route=/wp/v2/posts", timeout=5.0 * swarm_cluster.pace.slowdown) \
            as clients:
        clients_answering(clients, 120.0 * swarm_cluster.pace.slowdown)
        begun = clients.elapsed()
        report = deployment.upgrade(images={"wordpress": "wordpress_v2"})
    print(report.summary(), clients.summary(), sep="\n")
    failed = clients.failures(since=begun)
    record_property("requests", len(clients.answers))
    record_property("requests_failed", len(failed))
    assert not failed, "\n".join(map(str, failed[:20]))
    assert {"v1", "v2"} <= set(clients.releases()), f"the clients did not see the release change: {clients.summary()}"


def test_galera_rolls_one_member_at_a_time_with_two_primary_and_no_write_lost(
        first_release: Deployment, record_property: Callable[[str, object], None]) -> None:
    deployment = first_release
    service = deployment.service("mysql-galera")
    primary = Watch("members reporting Primary", lambda: primary_members(deployment), interval=1.0)
    with deployment.workload("release_galera") as workload, primary:
        report = deployment.upgrade(images={"galera": "galera_v2"})
    print(report.summary())
    record_property("galera_update_s", round(report.seconds, 1))
    assert report.phases[service] == "completed"
    assert_one_task_at_a_time(report, service, 3)
    assert_held_throughout(primary, lambda count: count >= 2, at_least=5)
    transfers = joined_by(deployment, report, service)
    record_property("state_transfers", ", ".join(f"{name}: {how}" for name, how in sorted(transfers.items())))
    print(f"how each new member caught up: {transfers}")
    assert len(transfers) == 3 and set(transfers.values()) <= {"IST", "SST"}, (
        f"each of three new members must have received the writes it lacked: {transfers}")
    assert_workload_intact(deployment, workload, record_property)
    assert set(member_releases(deployment).values()) == {"v2"}, member_releases(deployment)


def primary_members(deployment: Deployment) -> int:
    return sum(isinstance(status, dict) and status.get("wsrep_cluster_status") == "Primary"
               for status in deployment.member_statuses().values())


def joined_by(deployment: Deployment, report: Report, service: str) -> dict[str, str]:
    """New member's container -> how it caught up ("IST", "SST" or "none"), from its log."""
    new = {step.task for step in report.batches(service)}
    where = {f"{task.slot}.{task.id}": task.node for sample in report.samples[service] for task in sample.tasks
             if task.id in new and task.node}  # the last sample that names the node
    return {container: state_transfer(str(deployment.cluster.node(node).docker.container.logs(container)))
            for container, node in where.items()}


def test_a_release_that_never_turns_healthy_is_rolled_back_and_reported(
        first_release: Deployment, tmp_path: Path, record_property: Callable[[str, object], None]) -> None:
    deployment = first_release
    service = deployment.service("wordpress")
    before = served_releases(deployment)
    report = deployment.upgrade(images={"wordpress": "wordpress_broken"}, expect="rollback")
    print(report.summary())
    record_property("rollback_s", round(report.seconds, 1))
    assert report.phases[service] == "rollback_completed"
    assert served_releases(deployment) == before, "the rolled back WordPress is not the one that ran before"
    # The same release from the command line, where a completion is expected: exit 1 and why.
    done = deploy_wait(deployment, tmp_path, {"wordpress": "wordpress_broken"})
    record_property("deploy_wait_exit", done.returncode)
    assert done.returncode == 1, f"`swarmproof deploy --wait` exited {done.returncode}:\n{done.stderr[-3000:]}"
    assert f"{service}: rolled back, expected update completed" in done.stderr, done.stderr[-3000:]
    assert set(served_releases(deployment).values()) == {"v1"}, served_releases(deployment)


def deploy_wait(deployment: Deployment, folder: Path, images: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """``swarmproof deploy --wait`` of the walkthrough stack with ``images``, through a
    manager's docker CLI; the stack's variables (passwords among them) go in through the
    environment, never on a command line."""
    variables = deployment.release_variables(images)
    manager = deployment.cluster.manager()
    docker = shlex.join(stack.cli(manager.docker_client(forward_env=list(variables))))
    timeout = 900 * deployment.cluster.pace.slowdown
    command = [sys.executable, "-m", "swarmproof.cli", "deploy", "--wait", str(deployment.stack_file),
               "--name", deployment.name, "--docker", docker, "--timeout", str(timeout),
               "--", "--resolve-image", "never"]
    return subprocess.run(command, env={**os.environ, **variables}, capture_output=True, text=True, cwd=folder,
                          timeout=timeout + 120, check=False)


def test_a_stack_whose_update_monitor_is_shorter_than_its_healthcheck_is_refused_before_deploying(
        first_release: Deployment, tmp_path: Path) -> None:
    if shutil.which("docker") is None:
        pytest.skip("no docker CLI here: the stack file is read with `docker stack config` before a release")
    deployment = first_release
    short = tmp_path / "stack.yml"
    short.write_text(deployment.stack_file.read_text().replace("monitor: ${SWARMPROOF_UPDATE_MONITOR:-60s}",
                                                               "monitor: 1s"))
    versions = service_versions(deployment)
    window = seconds(deployment.cluster.pace.health_interval) * 5  # WordPress's retries
    with pytest.raises(StackFileError, match=rf"wordpress: update_config.monitor is 1s, shorter than its "
                                             rf"healthcheck's {window:g}s"):
        deployment.upgrade(stack_file=short)
    assert service_versions(deployment) == versions, "a refused release changed a service"


def service_versions(deployment: Deployment) -> dict[str, int]:
    manager = deployment.cluster.manager().docker
    return {name: manager.service.inspect(deployment.service(name)).version.index for name in deployment.deployed()}


def test_a_drained_node_s_tasks_move_nothing_is_lost_and_reactivated_it_takes_tasks_again(
        first_release: Deployment, swarm_cluster: Cluster, record_property: Callable[[str, object], None]) -> None:
    deployment, cluster = first_release, swarm_cluster
    node = maintained_node(deployment.services_by_node())
    ip_vs = cluster.capabilities.ip_vs
    moved = ("mysql-galera", "wordpress") if ip_vs else ("mysql-galera",)
    with deployment.workload("release_drain", away_from=[cluster.node(node)]) as workload, \
            drained(cluster.manager().docker, node):
        timeout = DRAIN_TIMEOUT * cluster.pace.slowdown
        deployment.wait_replicas(moved, lambda: timeout, away_from=node)
        deployment.wait_galera(3, timeout)
        assert not deployment.services_by_node().get(node), f"{node} still runs {deployment.services_by_node()}"
    assert_workload_intact(deployment, workload, record_property)
    assert next(m for m in cluster.members() if m.hostname == node).availability == "active"
    deployment.settle(ip_vs)  # moves a crowded member: the least loaded node, the reactivated one, takes it
    assert "mysql-galera" in deployment.services_by_node().get(node, set()), deployment.services_by_node()


def maintained_node(by_node: dict[str, set[str]]) -> str:
    """A node running a Galera member and a WordPress task, one without etcd if there is one."""
    both = [host for host, services in sorted(by_node.items()) if {"mysql-galera", "wordpress"} <= services]
    if not both:
        raise LookupError(f"no node runs both a Galera member and a WordPress task: {by_node}")
    return next((host for host in both if "etcd" not in by_node[host]), both[0])


@pytest.mark.chaos
def test_after_every_node_lost_power_the_cluster_recovers_from_its_most_advanced_member(
        first_release: Deployment, swarm_cluster: Cluster, record_timing: Callable[[str, float], None],
        record_property: Callable[[str, object], None], fault_timeline: TimelineRecorder) -> None:
    """The writer and the transfers run until the cut (a client on a node that loses power
    too is read from its log afterwards: what it printed before the cut is what it knew
    acknowledged). On this kind of node a power loss kills every process at once; what they
    had written to their files survives it (the host's kernel keeps it), as on a server
    whose disks honour their flushes."""
    deployment, cluster = first_release, swarm_cluster  # settled by fault_timeline: one member per node
    with deployment.workload("release_cold_start") as workload:
        wait_rows(deployment, workload.name, 20, DRAIN_TIMEOUT * cluster.pace.slowdown)
        cut_at = datetime.now(UTC)
        with fault_timeline.recording(workload), chaos.Kill(cluster, *cluster.nodes) as cut:
            record_timing("power_back_to_swarm_ready_s", cut.heal())
            deployment.wait_galera(3, COLD_START_TIMEOUT * cluster.pace.slowdown)
            record_timing("cut_to_galera_synced_s", cut.since_injected())
        assert_workload_intact(deployment, workload, record_property)
    restart = Restart.parse(deployment.task_logs("mysql-galera", since=cut_at))
    record_property("cold_start_recovered", restart.recovered)
    record_property("cold_start_bootstrapper", ",".join(restart.bootstrappers))
    assert not restart.from_behind(), restart.from_behind()
    deployment.settle(cluster.capabilities.ip_vs)


def wait_rows(deployment: Deployment, table: str, count: int, timeout: float) -> None:
    """Until the writer's table holds ``count`` rows (on the first member)."""
    member = deployment.tasks("mysql-galera")[0]
    Wait(what=f"the writer's table {table} to hold {count} rows on {member.container}",
         probe=lambda: int(deployment.sql(member, f"SELECT COUNT(*) FROM {DATABASE}.{table}")),
         done=lambda rows: rows >= count, timeout=timeout, interval=1.0).until()


@pytest.fixture
def release_probe(swarm_cluster: Cluster, swarmproof_images: dict[str, str]) -> Iterator[dict[str, str]]:
    """The WordPress-only release probe at v1 (infra/stack/release-probe.yml); its variables."""
    manager = swarm_cluster.manager()
    variables = {"SWARMPROOF_WORDPRESS_IMAGE": swarmproof_images["wordpress"],
                 "SWARMPROOF_START_PERIOD": swarm_cluster.pace.start_period}
    swarm_cluster.require_images("wordpress", "wordpress_v2")
    stack.deploy(manager, PROBE_STACK, PROBE_FILE, variables)
    try:
        stack.wait_replicas(manager.docker, f"{PROBE_STACK}_web", 2, timeout=300 * swarm_cluster.pace.slowdown)
        yield variables
    finally:
        stack.remove(manager, PROBE_STACK)


@pytest.mark.engine
@pytest.mark.requires("ip_vs")
def test_a_release_probe_rolls_to_v2_with_no_failed_request_through_any_node(
        swarm_cluster: Cluster, swarmproof_images: dict[str, str], release_probe: dict[str, str],
        record_property: Callable[[str, object], None]) -> None:
    endpoints = {node.hostname: node.endpoint(8080) for node in swarm_cluster.nodes}
    pace = swarm_cluster.pace
    with HttpClients(endpoints, path="/readme.html", timeout=5.0 * pace.slowdown) as clients:
        clients_answering(clients, 120.0 * pace.slowdown)
        begun = clients.elapsed()
        report = release(swarm_cluster.manager(), PROBE_STACK, PROBE_FILE,
                         {**release_probe, "SWARMPROOF_WORDPRESS_IMAGE": swarmproof_images["wordpress_v2"]}, pace)
    print(report.summary(), clients.summary(), sep="\n")
    record_property("requests", len(clients.answers))
    record_property("requests_failed", len(clients.failures()))
    assert report.phases[f"{PROBE_STACK}_web"] == "completed"
    assert_one_task_at_a_time(report, f"{PROBE_STACK}_web", 2)
    assert not clients.failures(since=begun), "\n".join(map(str, clients.failures(since=begun)[:20]))
    assert set(report.images(f"{PROBE_STACK}_web").values()) == {swarmproof_images["wordpress_v2"]}


def clients_answering(clients: HttpClients, timeout: float) -> None:
    """Until every node has answered once: the mesh serves before the release begins."""
    Wait("an answer through every node", lambda: {a.node for a in clients.answers if a.ok},
         lambda nodes: nodes >= set(clients.endpoints), timeout=timeout,
         logs=lambda: "\n".join(map(str, clients.failures()[-10:]))).until()
