"""Bad stack files, on the session's swarm under a stack name of their own: refused in one
line that says why (naming the service where there is one), and nothing of them left."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from swarmproof.cluster import Cluster
from swarmproof.deployment import Deployment
from swarmproof.errors import StackFileError, WaitAborted, WaitTimeout
from swarmproof.progress import Progress
from swarmproof.waits import Wait

pytestmark = pytest.mark.stack

NAME = "badstack"
SLEEPER = "    image: ${SWARMPROOF_BASE_IMAGE}\n    command: [sleep, infinity]\n"


def compose(services: dict[str, str]) -> str:
    return 'version: "3.8"\nservices:\n' + "".join(f"  {name}:\n{body}" for name, body in services.items())


def deployment(cluster: Cluster, tags: dict[str, str], folder: Path, text: str) -> Deployment:
    (folder / "stack.yml").write_text(text)
    return Deployment(cluster, tags, folder / "stack.yml", name=NAME)


def assert_nothing_left(cluster: Cluster) -> None:
    __tracebackhide__ = True
    label = ("label", f"com.docker.stack.namespace={NAME}")
    assert not cluster.nodes[0].docker.service.list(filters=[label]), f"services of {NAME} were left"
    Wait(what=f"no container of {NAME} on any node",
         probe=lambda: [c.name for n in cluster.nodes for c in n.docker.container.list(all=True, filters=[label])],
         done=lambda left: not left, timeout=120, interval=1.0).until()
    # Removed after the containers, asynchronously: a deploy under the same name meanwhile
    # would find its network half gone.
    Wait(what=f"no network of {NAME}", probe=lambda: [n.name for n in cluster.manager().docker.network.list(
         filters=[label])], done=lambda left: not left, timeout=60, interval=1.0).until()


def test_a_file_docker_cannot_parse_is_refused_in_one_line(swarm_cluster: Cluster, swarmproof_images: dict[str, str],
                                                           tmp_path: Path) -> None:
    bad = deployment(swarm_cluster, swarmproof_images, tmp_path, "services:\n  etcd: [unclosed\n")
    with pytest.raises(StackFileError) as refused:
        bad.deploy()
    assert refused.value.cause.startswith(f"`docker stack deploy` refused {tmp_path / 'stack.yml'}: ")
    assert "\n" not in refused.value.cause
    assert_nothing_left(swarm_cluster)


def test_a_file_without_a_walkthrough_service_is_refused_naming_it(swarm_cluster: Cluster,
                                                                   swarmproof_images: dict[str, str],
                                                                   tmp_path: Path) -> None:
    bad = deployment(swarm_cluster, swarmproof_images, tmp_path, compose({"etcd": SLEEPER, "mysql-galera": SLEEPER}))
    with pytest.raises(StackFileError, match=r"defines no service named wordpress"):
        bad.deploy()
    assert_nothing_left(swarm_cluster)


def test_an_image_nobody_built_stops_the_wait_at_once_naming_the_service(
        swarm_cluster: Cluster, swarmproof_images: dict[str, str], tmp_path: Path) -> None:
    missing = "    image: swarmproof/galera:never-built\n    deploy: {replicas: 3}\n"
    bad = deployment(swarm_cluster, swarmproof_images, tmp_path,
                     compose({"etcd": SLEEPER, "mysql-galera": missing, "wordpress": SLEEPER}))
    expected = rf"swarm cannot start {NAME}_mysql-galera: .*No such image: swarmproof/galera:never-built"
    with pytest.raises(WaitAborted, match=expected):
        bad.converge(ip_vs=False, progress=Progress(), timeout=300)
    assert_nothing_left(swarm_cluster)


def test_a_service_whose_every_task_keeps_failing_is_named_before_the_deadline(
        swarm_cluster: Cluster, swarmproof_images: dict[str, str], tmp_path: Path) -> None:
    # The Galera image refuses to start without its root password: every task exits 1.
    crashing = "    image: ${SWARMPROOF_GALERA_IMAGE}\n    deploy: {replicas: 3}\n"
    bad = deployment(swarm_cluster, swarmproof_images, tmp_path,
                     compose({"etcd": SLEEPER, "mysql-galera": crashing, "wordpress": SLEEPER}))
    with pytest.raises(WaitAborted) as aborted:  # a WaitTimeout would mean the deadline was waited out
        bad.converge(ip_vs=False, progress=Progress(), timeout=900 * swarm_cluster.pace.slowdown)
    message = str(aborted.value)
    assert f"{NAME}_mysql-galera will not come up: every task keeps failing the same way" in message
    assert "non-zero exit (1)" in message, "the message should show the tasks' errors"
    assert "MYSQL_ROOT_PASSWORD is required" in message, "the message should show the service's log lines"
    assert_nothing_left(swarm_cluster)


# Each member under a cluster name of its own: each wins its own bootstrap election in etcd,
# and the three stay apart, each a healthy Primary cluster of one. On a network of their
# own: on the session's mynet, `tasks.etcd` would name the walkthrough stack's etcd too.
APART = compose({
    "etcd": "    image: ${SWARMPROOF_ETCD_IMAGE}\n    networks: [apart]\n",
    "mysql-galera": "    image: ${SWARMPROOF_GALERA_IMAGE}\n    networks: [apart]\n    environment:\n"
                    "      MYSQL_ROOT_PASSWORD: ${MYSQL_ROOT_PASSWORD}\n"
                    "      XTRABACKUP_PASSWORD: ${XTRABACKUP_PASSWORD}\n"
                    "      DISCOVERY_SERVICE: tasks.etcd:2379\n      DISCOVERY_TTL: \"6\"\n"
                    "      CLUSTER_NAME: \"apart{{.Task.Slot}}\"\n    deploy: {replicas: 3}\n",
    "wordpress": SLEEPER,
}) + "networks:\n  apart: {driver: overlay}\n"


def test_members_that_form_separate_clusters_are_named_before_the_deadline(
        swarm_cluster: Cluster, swarmproof_images: dict[str, str], tmp_path: Path) -> None:
    bad = deployment(swarm_cluster, swarmproof_images, tmp_path, APART)
    with pytest.raises(WaitAborted) as aborted:  # a WaitTimeout would mean the deadline was waited out
        bad.converge(ip_vs=False, progress=Progress(), timeout=900 * swarm_cluster.pace.slowdown)
    message = str(aborted.value)
    assert "the members form 3 separate clusters, each Primary, that will not merge" in message
    member_lines = rf"{NAME}_mysql-galera\.\d@docker\d +\| "
    assert re.search(member_lines, message), "the message should show the members' log lines"
    assert_nothing_left(swarm_cluster)


def test_a_service_that_never_converges_times_out_with_its_task_errors(
        swarm_cluster: Cluster, swarmproof_images: dict[str, str], tmp_path: Path) -> None:
    # No node carries the label: swarm leaves the tasks pending, which is no failure to count.
    unplaceable = SLEEPER + "    deploy: {replicas: 3, placement: {constraints: [node.labels.nowhere == true]}}\n"
    bad = deployment(swarm_cluster, swarmproof_images, tmp_path,
                     compose({"etcd": SLEEPER, "mysql-galera": unplaceable, "wordpress": SLEEPER}))
    with pytest.raises(WaitTimeout) as timed_out:
        bad.converge(ip_vs=False, progress=Progress(), timeout=30)
    message = str(timed_out.value)
    assert f"3 running tasks of {NAME}_mysql-galera" in message
    assert "no suitable node" in message, "the message should show the tasks' errors"
    assert_nothing_left(swarm_cluster)
