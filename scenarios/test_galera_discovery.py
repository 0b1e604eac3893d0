"""The Galera image's etcd discovery, on plain containers (no swarm) of the local engine, or of
the first host where the hosts are the user's (``plain_docker``):
three members started at the same instant elect exactly one bootstrapper, which holds the
election for as long as it lives; a member that replaces a lost one joins the running
cluster and receives only the write sets it lacks (IST: every member starts from the
history baked into the image), and one without a datadir of its own receives it all (SST,
by mariabackup with the walkthrough's XTRABACKUP_PASSWORD). Three members on volumes of their
own (the stack gives each node one) that all lose power at once are recovered from the most
advanced of them, whichever starts first."""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from python_on_whales import Container, DockerClient
from python_on_whales.exceptions import DockerException

from swarmproof.galera import STATUS_QUERY, parse_status, state_transfer, unhealthy
from swarmproof.run import LABEL_ROLE, LABEL_RUN, Run
from swarmproof.waits import Wait

pytestmark = pytest.mark.galera

CONVERGE_TIMEOUT = 180.0
# Short, so that the election key is seen outliving several TTLs within seconds.
DISCOVERY_TTL = 6
ELECTION_KEY = "http://127.0.0.1:2379/v2/keys/galera/galera/bootstrap"


@dataclass
class Discovery:
    """etcd and Galera members on a bridge network of the run."""

    docker: DockerClient
    run: Run
    tags: dict[str, str]
    network: str = ""
    etcd: Container | None = None
    env: dict[str, str] = field(default_factory=dict)
    members: list[Container] = field(default_factory=list)

    def start_member(self, index: int, empty_datadir: bool = False, volume: str = "",
                     restart: bool = True, **env: str) -> Container:
        """A member from the image; ``empty_datadir``: on an empty tmpfs instead of the
        image's datadir (it makes its system tables at start and has no Galera history);
        ``volume``: the node's volume, as the stack gives it, on /var/lib/galera;
        ``restart``: started again when it exits, as swarm restarts a task (a member leaves
        for that: upstream's IST can come one write set short, "node restart required")."""
        container = self.docker.container.run(
            self.tags["galera"], name=self.run.name(f"galera{index}"), detach=True, networks=[self.network],
            envs={**self.env, **env}, labels=self.run.labels(**{LABEL_ROLE: "galera-test"}),
            tmpfs=["/var/lib/mysql"] if empty_datadir else [],
            volumes=[(volume, "/var/lib/galera")] if volume else [],
            restart="unless-stopped" if restart else "no")
        self.members.append(container)
        return container

    def cluster_on_volumes(self, prefix: str, first: int, **env: str) -> tuple[list[str], list[Container]]:
        """Three nodes' volumes and a healthy member on each (a cluster of its own: give
        ``CLUSTER_NAME``), as the stack places them."""
        labels = self.run.labels(**{LABEL_ROLE: "galera-test"})
        volumes = [self.docker.volume.create(self.run.name(f"{prefix}{i}-galera"), labels=labels).name
                   for i in (1, 2, 3)]
        members = [self.start_member(first + i, volume=volume, **env) for i, volume in enumerate(volumes)]
        for member in members:
            self.wait_healthy(member)
        return volumes, members

    def logs(self, container: Container, tail: int | None = None) -> str:
        return str(self.docker.container.logs(container, tail=tail))

    def said(self, container: Container) -> str:
        """What the entrypoint said, the state transfer lines and the last lines: why a
        member never turned healthy (the tail alone is its shutdown)."""
        lines = self.logs(container).splitlines()
        telling = [line for line in lines if "galera-entrypoint" in line or "IST" in line or "SST" in line]
        return "\n".join([*telling[-25:], "...", *lines[-8:]])

    def status(self, container: Container) -> dict[str, str]:
        return parse_status(self.run_in(container, ["mariadb", "-NBe", STATUS_QUERY]))

    def run_in(self, container: Container, argv: list[str]) -> str:
        """What ``argv`` printed in the container; a failure raises, naming its last words."""
        try:
            return str(self.docker.container.execute(container, argv))
        except DockerException as exc:
            raise RuntimeError(f"{' '.join(argv[:2])} in {container.name}: {str(exc).strip()[-200:]}") from exc

    def wait_healthy(self, container: Container, size: int = 3) -> dict[str, str]:
        return Wait(
            what=f"{container.name} Synced, Primary and ready in a cluster of {size}",
            probe=lambda: self.status(container), done=lambda status: not unhealthy(status, size),
            timeout=CONVERGE_TIMEOUT, interval=1.0, hint=f"`docker logs {container.name}`",
            logs=lambda: self.said(container),
        ).until()

    def election(self) -> str | None:
        """The bootstrap election key's value (the winner's address), or None if absent."""
        assert self.etcd is not None
        try:
            said = self.docker.container.execute(self.etcd, ["curl", "-sS", "-w", "\n%{http_code}", ELECTION_KEY])
        except DockerException as exc:
            raise AssertionError(f"etcd did not answer: {exc}") from exc
        body, _, code = str(said).rpartition("\n")
        if code == "404":
            return None
        assert code == "200", f"etcd answered {code}: {body}"
        return json.loads(body).get("node", {}).get("value")

    def sql(self, container: Container, statement: str) -> str:
        return self.run_in(container, ["mariadb", "-NBe", statement]).strip()

    def address(self, container: Container) -> str:
        container.reload()
        return str(container.network_settings.networks[self.network].ip_address)


@pytest.fixture(scope="module")
def discovery(plain_docker: DockerClient, swarmproof_images: dict[str, str],
              swarmproof_run: Run) -> Iterator[Discovery]:
    labels = swarmproof_run.labels(**{LABEL_ROLE: "galera-test"})
    found = Discovery(plain_docker, swarmproof_run, swarmproof_images)
    found.network = plain_docker.network.create(swarmproof_run.name("galera-net"), labels=labels).name
    found.env = {"MYSQL_ROOT_PASSWORD": secrets.token_urlsafe(18), "XTRABACKUP_PASSWORD": secrets.token_urlsafe(18),
                 "DISCOVERY_SERVICE": "etcd:2379", "CLUSTER_NAME": "galera", "DISCOVERY_TTL": str(DISCOVERY_TTL)}
    try:
        found.etcd = plain_docker.container.run(swarmproof_images["etcd"], name=swarmproof_run.name("etcd"),
                                                detach=True, networks=[found.network], network_aliases=["etcd"],
                                                labels=labels)
        yield found
    finally:
        mine = [("label", f"{LABEL_RUN}={swarmproof_run.run_id}"), ("label", f"{LABEL_ROLE}=galera-test")]
        left = plain_docker.container.list(all=True, filters=mine)
        if left:
            plain_docker.container.remove(left, force=True, volumes=True)
        plain_docker.network.remove(found.network)
        volumes = plain_docker.volume.list(filters=mine)  # (not the run's others: the nodes' data roots)
        if volumes:
            plain_docker.volume.remove(volumes)


def test_members_started_at_once_elect_exactly_one_bootstrapper(discovery: Discovery) -> None:
    gate = threading.Barrier(3)

    def start(index: int) -> None:
        gate.wait()
        discovery.start_member(index)

    threads = [threading.Thread(target=start, args=(i,)) for i in (1, 2, 3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    statuses = [discovery.wait_healthy(member) for member in discovery.members]
    winners = [m.name for m in discovery.members if "won the bootstrap election" in discovery.logs(m)]
    assert len(winners) == 1, f"expected exactly one bootstrapper, got {winners}"
    # Who is in the cluster, not the state UUID (shared by every member from the image).
    views = {frozenset(status["wsrep_incoming_addresses"].split(",")) for status in statuses}
    assert len(views) == 1, f"members disagree on who is in the cluster: {views}"


def test_the_bootstrapper_holds_the_election_beyond_its_ttl(discovery: Discovery) -> None:
    """A slow first start (an emulated VM) can outlast the TTL before the bootstrapper is
    Synced and registered; had the key lapsed, a second member would bootstrap a second
    cluster. Its server frozen for three TTLs (so it is neither Synced nor registered),
    the key must never be absent."""
    if len(discovery.members) != 3:
        pytest.skip("needs the three members of the previous test")
    (bootstrapper,) = [m for m in discovery.members if "won the bootstrap election" in discovery.logs(m)]
    address = discovery.address(bootstrapper)
    signal = 'kill -{} "$(pidof mariadbd)"'
    discovery.run_in(bootstrapper, ["sh", "-c", signal.format("STOP")])
    try:
        watched_until = time.monotonic() + 3 * DISCOVERY_TTL
        while time.monotonic() < watched_until:
            holder = discovery.election()
            assert holder == address, f"the election key is {holder!r}; {bootstrapper.name} ({address}) still lives"
            time.sleep(1.0)
    finally:
        discovery.run_in(bootstrapper, ["sh", "-c", signal.format("CONT")])
    # Dropped from the others' view while frozen, it merges back into the Primary component.
    # Just resumed, it still reports its old view of three: only the others' views tell
    # that it is back (leaving the group split in two would make the next test's loss of a
    # member a loss of quorum).
    for member in discovery.members:
        discovery.wait_healthy(member)


def test_a_replacement_member_joins_by_ist_and_has_the_data(discovery: Discovery) -> None:
    if len(discovery.members) != 3:
        pytest.skip("needs the three members of the previous test")
    bootstrapper = next(m for m in discovery.members if "won the bootstrap election" in discovery.logs(m))
    writer, lost = [m for m in discovery.members if m is not bootstrapper]
    discovery.sql(writer, "CREATE DATABASE IF NOT EXISTS probe; "
                          "CREATE TABLE IF NOT EXISTS probe.rows (id INT PRIMARY KEY); "
                          "INSERT INTO probe.rows VALUES (1), (2), (3)")
    discovery.docker.container.remove(lost, force=True, volumes=True)
    discovery.members.remove(lost)
    # As swarm's replacement would, come once the group has evicted the lost member.
    discovery.wait_healthy(writer, size=2)
    # Every member's gcache holds the write sets since the baked history.
    replacement = discovery.start_member(4)
    discovery.wait_healthy(replacement)
    logs = discovery.logs(replacement)
    assert "joining registered members" in logs and "won the bootstrap election" not in logs
    assert state_transfer(logs) == "IST", "the replacement did not receive only the write sets it lacked"
    assert discovery.sql(replacement, "SELECT COUNT(*) FROM probe.rows") == "3"


def test_a_member_without_a_datadir_joins_by_sst_and_has_the_data(discovery: Discovery) -> None:
    if len(discovery.members) != 3:
        pytest.skip("needs the three members of the previous test")
    newcomer = discovery.start_member(5, empty_datadir=True)
    discovery.wait_healthy(newcomer, size=4)
    logs = discovery.logs(newcomer)
    assert state_transfer(logs) == "SST", "a member with no history did not receive a whole datadir"
    assert "mariabackup SST started on joiner" in logs, "the SST was not made by mariabackup"
    assert discovery.sql(newcomer, "SELECT COUNT(*) FROM probe.rows") == "3"


def test_a_cluster_that_lost_power_whole_is_recovered_from_its_most_advanced_member(discovery: Discovery) -> None:
    """A cluster of its own (its own name and etcd keys) on three nodes' volumes. One member
    is frozen while the others commit more, then all three are killed at once (the power
    cut) and started again, the one behind first: it waits for the others of its last
    Primary component (a second member on its node leaves), the most advanced bootstraps
    and the cluster has every row."""
    docker, env = discovery.docker, {"CLUSTER_NAME": "coldstart"}
    volumes, members = discovery.cluster_on_volumes("node", 10, **env)
    first, second, behind = members
    discovery.sql(first, "CREATE DATABASE probe; CREATE TABLE probe.rows (id INT PRIMARY KEY); "
                         "INSERT INTO probe.rows VALUES (1), (2), (3)")
    discovery.wait_healthy(behind)
    discovery.run_in(behind, ["sh", "-c", 'kill -STOP "$(pidof mariadbd)"'])
    # Once the group has evicted the frozen member, the other two commit without it.
    discovery.wait_healthy(first, size=2)
    discovery.sql(second, "INSERT INTO probe.rows VALUES (4), (5), (6)")
    docker.container.kill(members)
    docker.container.remove(members, force=True)
    restarted = [discovery.start_member(20, volume=volumes[2], **env)]
    Wait(what="the member that is behind to wait for the others of its last Primary component",
         probe=lambda: discovery.logs(restarted[0]), done=lambda logs: "not bootstrapping: waiting for" in logs,
         timeout=CONVERGE_TIMEOUT, interval=1.0, logs=lambda: discovery.logs(restarted[0], tail=15)).until()
    # A second member on that node (swarm placed two tasks there before another node was back)
    # holds nothing the cluster waits for: it leaves, so that swarm places it elsewhere.
    misplaced = discovery.start_member(30, volume=volumes[2], restart=False, **env)
    Wait(what="a second member on a node whose datadir is taken to leave",
         probe=lambda: discovery.docker.container.inspect(misplaced.id).state.running,
         done=lambda running: not running, timeout=CONVERGE_TIMEOUT, interval=1.0,
         logs=lambda: discovery.logs(misplaced, tail=15)).until()
    assert "leaving, so that swarm places this task" in discovery.logs(misplaced)
    restarted += [discovery.start_member(21 + i, volume=volumes[i], **env) for i in (0, 1)]
    for member in restarted:
        discovery.wait_healthy(member)
    logs = {member.name: discovery.logs(member) for member in restarted}
    winners = [name for name, log in logs.items() if "won the bootstrap election" in log]
    assert len(winners) == 1 and winners[0] != restarted[0].name, \
        f"expected one of the two most advanced members to bootstrap, got {winners}"
    assert all("recovered position" in log for log in logs.values()), "a member did not recover its position"
    assert state_transfer(logs[restarted[0].name]) == "IST", "the member behind did not catch up by IST"
    for member in restarted:
        assert discovery.sql(member, "SELECT COUNT(*) FROM probe.rows") == "6", f"{member.name} lost rows"


def test_a_member_whose_datadir_died_with_its_container_is_not_waited_for_after_a_power_loss(
        discovery: Discovery) -> None:
    """Two nodes' volumes, three members: the third runs beside the first on its node, its
    datadir in its container (the node's is taken). All lose power; the two with a volume
    come back and recover the cluster without waiting for the third, whose data is gone."""
    docker, labels = discovery.docker, discovery.run.labels(**{LABEL_ROLE: "galera-test"})
    volumes = [docker.volume.create(discovery.run.name(f"pair{i}-galera"), labels=labels).name for i in (1, 2)]
    env = {"CLUSTER_NAME": "ephemeral"}
    members = [discovery.start_member(40 + i, volume=volume, **env) for i, volume in enumerate(volumes)]
    members.append(discovery.start_member(42, volume=volumes[0], **env))
    for member in members:
        discovery.wait_healthy(member)
    assert "keeps its data in the container" in discovery.logs(members[2])
    discovery.sql(members[0], "CREATE DATABASE probe; CREATE TABLE probe.rows (id INT PRIMARY KEY); "
                              "INSERT INTO probe.rows VALUES (1), (2), (3)")
    (noted,) = Wait(what="the member without a datadir of its own to be noted in its node's volume",
                    probe=lambda: discovery.run_in(members[0], ["ls", "/var/lib/galera/ephemeral"]).split(),
                    done=bool, timeout=CONVERGE_TIMEOUT, interval=1.0).until()
    docker.container.kill(members)
    docker.container.remove(members, force=True)
    restarted = [discovery.start_member(50 + i, volume=volume, **env) for i, volume in enumerate(volumes)]
    for member in restarted:
        discovery.wait_healthy(member, size=2)
    for member in restarted:
        assert discovery.sql(member, "SELECT COUNT(*) FROM probe.rows") == "3", f"{member.name} lost rows"
    assert discovery.etcd is not None
    gone = discovery.run_in(discovery.etcd, ["curl", "-sS", "http://127.0.0.1:2379/v2/keys/galera/ephemeral/gone"])
    assert noted in gone, f"the election was not told that {noted} is gone: {gone}"


def test_a_cluster_stopped_cleanly_member_by_member_starts_again_from_the_member_that_left_last(
        discovery: Discovery) -> None:
    """Three members on their nodes' volumes stopped gracefully one after the other (as a
    `docker stack rm` or a maintenance would), rows committed before each stop, and started
    again in the order they stopped: the first two hold less and Galera would not bootstrap
    from them (safe_to_bootstrap: 0), so they wait, however long, for the member that left
    last; it bootstraps and every row is there."""
    docker, env = discovery.docker, {"CLUSTER_NAME": "cleanstop"}
    volumes, members = discovery.cluster_on_volumes("clean", 60, **env)
    discovery.sql(members[2], "CREATE DATABASE probe; CREATE TABLE probe.rows (id INT PRIMARY KEY)")
    for row, member in enumerate(members):
        discovery.sql(members[2], f"INSERT INTO probe.rows VALUES ({row})")
        docker.container.stop(member, time=120)
        if row < 2:
            discovery.wait_healthy(members[2], size=2 - row)
    docker.container.remove(members)
    restarted = [discovery.start_member(70 + i, volume=volume, **env) for i, volume in enumerate(volumes[:2])]
    for member in restarted:
        Wait(what=f"{member.name}, which left early, to wait for the member that left last",
             probe=lambda m=member: discovery.logs(m), done=lambda logs: "Galera would not bootstrap from here" in logs
             or "holds more of the history" in logs, timeout=CONVERGE_TIMEOUT, interval=1.0,
             logs=lambda m=member: discovery.said(m)).until()
    restarted.append(discovery.start_member(72, volume=volumes[2], **env))
    for member in restarted:
        discovery.wait_healthy(member)
    logs = {member.name: discovery.logs(member) for member in restarted}
    winners = [name for name, log in logs.items() if "won the bootstrap election" in log]
    assert winners == [restarted[2].name], f"expected the member that left last to bootstrap, got {winners}"
    for member in restarted:
        assert discovery.sql(member, "SELECT COUNT(*) FROM probe.rows") == "3", f"{member.name} lost rows"
