"""Form or adopt: what the hosts' own swarm states decide, before anything changes."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from python_on_whales.exceptions import DockerException

from swarmproof.errors import SwarmproofError, WaitTimeout
from swarmproof.inventory import InventoryError
from swarmproof.providers import ssh_swarm
from swarmproof.providers.ssh_swarm import ADOPT, FORM, HostState, SwarmFacts, decide

MANAGERS = ["docker1", "docker2", "docker3"]


def idle(*names: str) -> dict[str, SwarmFacts]:
    return {name: SwarmFacts("inactive") for name in names}


def one_swarm(*names: str, cluster: str = "c1", nodes: int | None = None) -> dict[str, SwarmFacts]:
    size = len(names) if nodes is None else nodes
    members = frozenset(f"id-{name}" for name in names)
    return {name: SwarmFacts("active", f"id-{name}", cluster if i < 3 else "", i < 3, size if i < 3 else 0,
                             members if i < 3 else frozenset())
            for i, name in enumerate(names)}


def refused(facts: dict[str, SwarmFacts]) -> str:
    with pytest.raises(InventoryError) as caught:
        decide(facts, MANAGERS)
    return str(caught.value)


def test_hosts_in_no_swarm_are_formed() -> None:
    assert decide(idle(*MANAGERS), MANAGERS) == FORM


def test_one_swarm_of_exactly_the_hosts_is_adopted() -> None:
    assert decide(one_swarm(*MANAGERS), MANAGERS) == ADOPT
    assert decide(one_swarm(*MANAGERS, "docker4"), MANAGERS) == ADOPT


def test_some_in_a_swarm_and_some_not_is_refused_naming_both() -> None:
    facts = {**one_swarm("docker1", "docker2", nodes=2), **idle("docker3")}
    assert "docker1, docker2 in a swarm but docker3 not" in refused(facts)


def test_managers_of_different_swarms_are_refused() -> None:
    facts = {**one_swarm("docker1", "docker2"), "docker3": SwarmFacts("active", "x", "c2", True, 1)}
    assert "managers of 2 different swarms" in refused(facts)


def test_a_swarm_with_nodes_the_inventory_does_not_name_is_refused() -> None:
    assert "the hosts' swarm has 5 nodes but the inventory names 3" in refused(one_swarm(*MANAGERS, nodes=5))


def test_a_host_of_another_swarm_counted_the_same_is_refused() -> None:
    facts = one_swarm(*MANAGERS, "docker4")
    facts["docker4"] = SwarmFacts("active", "id-elsewhere")
    assert "docker4 not in the swarm docker1 manages" in refused(facts)


def test_a_worker_among_the_first_three_is_refused() -> None:
    facts = one_swarm(*MANAGERS)
    facts["docker2"] = SwarmFacts("active", "id-docker2", "", False, 0)
    assert "docker2 is a worker in the hosts' swarm" in refused(facts)


def test_a_host_in_a_pending_or_locked_swarm_is_refused() -> None:
    facts = {**idle("docker1", "docker2"), "docker3": SwarmFacts("locked")}
    assert "docker3 is in swarm state 'locked'" in refused(facts)


class FakeKind:
    """One kind of object on a fake host: ``list`` what there is, ``remove`` one of them."""

    def __init__(self, *names: str, stubborn: tuple[str, ...] = ()) -> None:
        self.items: dict[str, dict[str, str]] = {name: {} for name in names}  # name -> labels
        self.stubborn = stubborn  # removal refused (a network the engine keeps, say)

    def add(self, name: str, **labels: str) -> None:
        self.items[name] = labels

    def list(self, **_: object) -> list[SimpleNamespace]:
        return [SimpleNamespace(id=name, name=name, labels=labels, config=SimpleNamespace(labels=labels),
                                driver="bridge") for name, labels in self.items.items()]

    def remove(self, item: str, **_: object) -> None:
        if item in self.stubborn:
            raise DockerException(["docker", "rm", item], 1, stderr=b"Error response from daemon: no, never")
        del self.items[item]


class FakeNetworks(FakeKind):
    """Networks, some holding endpoints with no container (a killed dockerd's ingress sandbox)."""

    def __init__(self, *names: str) -> None:
        super().__init__(*names)
        self.endpoints: dict[str, set[str]] = {}
        self.confirmed = False

    def inspect(self, network: str) -> SimpleNamespace:
        return SimpleNamespace(containers={e: SimpleNamespace(name=e) for e in self.endpoints.get(network, ())},
                               ingress=network == "ingress")

    def disconnect(self, network: str, endpoint: str, force: bool = False) -> None:
        if not force:
            raise DockerException(["docker", "network", "disconnect"], 1)
        self.endpoints[network].discard(endpoint)

    def remove(self, item: str, **_: object) -> None:
        if self.endpoints.get(item):
            raise DockerException(["docker", "network", "rm", item], 1, stderr=b"has active endpoints")
        if item == "ingress" and not self.confirmed:
            return  # the CLI asked whether to remove the routing mesh, and no one said yes
        super().remove(item)

    def remove_confirmed(self, item: str) -> None:
        self.confirmed = True
        try:
            self.remove(item)
        finally:
            self.confirmed = False


class FakeHost:
    def __init__(self) -> None:
        self.container, self.volume = FakeKind("old-c"), FakeKind("old-v")
        self.image, self.network = FakeKind("old-i"), FakeNetworks("bridge", "host")

    def info(self) -> SimpleNamespace:
        return SimpleNamespace(swarm=SimpleNamespace(local_node_state="inactive", node_id="", cluster=None,
                                                     control_available=False, nodes=0))


TASK = {"com.docker.swarm.task.id": "t1"}


def test_the_end_removes_what_the_run_made_and_names_what_it_did_not() -> None:
    host = FakeHost()
    before = HostState.of(host)  # type: ignore[arg-type]
    host.container.add("task-1", **TASK)
    host.container.add("task-2", **TASK)
    host.volume.add("swarmproof-x_etcd-data", **{"com.docker.stack.namespace": "swarmproof-x"})
    host.volume.add("a" * 64)  # a task's anonymous volume
    host.image.add("galera")
    host.network.add("docker_gwbridge")
    host.container.add("owners-own")  # the host's owner, meanwhile
    host.image.add("owners-pull")
    said = before.remove_made_since(host, loaded={"galera"})  # type: ignore[arg-type]
    assert said == ("2 container(s), 2 volume(s), 1 image(s), 1 network(s), "
                    "left alone what the run did not make: container owners-own, image owners-pull")
    assert set(host.container.items) == {"old-c", "owners-own"}
    assert set(host.image.items) == {"old-i", "owners-pull"}
    assert set(host.volume.items) == {"old-v"} and set(host.network.items) == {"bridge", "host"}


def test_what_will_not_go_is_named_after_its_wait() -> None:
    host = FakeHost()
    before = HostState.of(host)  # type: ignore[arg-type]
    host.network.add("docker_gwbridge")
    host.network.stubborn = ("docker_gwbridge",)
    with pytest.raises(WaitTimeout, match=r"the networks the run made to be gone.*docker_gwbridge "
                                          r"\(Error response from daemon: no, never\)"):
        before.remove_made_since(host, loaded=set(), timeout=0.2)  # type: ignore[arg-type]


def test_endpoints_a_killed_dockerd_left_are_forced_off_before_the_network_goes(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ssh_swarm, "remove_ingress", lambda docker, network: docker.network.remove_confirmed(network))
    host = FakeHost()
    before = HostState.of(host)  # type: ignore[arg-type]
    host.network.add("ingress")
    host.network.add("docker_gwbridge")
    host.network.endpoints = {"ingress": {"ingress-endpoint"}, "docker_gwbridge": {"gateway_ingress-sbox"}}
    assert before.remove_made_since(host, loaded=set(), timeout=0.2) == "2 network(s)"  # type: ignore[arg-type]
    assert set(host.network.items) == {"bridge", "host"}


class Untouchable:
    """A node whose docker must not be used at all."""

    hostname = "docker1"

    @property
    def docker(self) -> None:
        raise AssertionError("the host was touched")


def test_a_run_refused_before_it_formed_or_adopted_touches_no_host_at_its_end() -> None:
    from swarmproof.providers.ssh import Ledger
    from swarmproof.providers.ssh_swarm import restore

    ledger = Ledger(before={"docker1": HostState.of(FakeHost())})  # type: ignore[arg-type]
    assert restore([Untouchable()], ledger, "swarmproof-x", "x") == []  # type: ignore[list-item]


class Raft:
    """The managers' raft of a fake swarm: a manager that leaves with --force stays a member;
    a demoted one does not. Without a quorum of its members on line there is no leader."""

    def __init__(self) -> None:
        self.members: set[str] = set()
        self.online: set[str] = set()

    def has_leader(self) -> bool:
        return len(self.members & self.online) * 2 > len(self.members)


class SwarmHost:
    """A host of a formation that failed part way, or finished: in the swarm as a manager, a
    worker or not at all; its leave fails ``refusals`` times, and fails while it is a manager
    of a raft without a leader (as moby#35337's "context deadline exceeded")."""

    def __init__(self, hostname: str, raft: Raft, role: str, refusals: int = 0) -> None:
        self.hostname, self.raft, self.refusals = hostname, raft, refusals
        self.state = "inactive" if role == "none" else "active"
        if role == "manager":
            raft.members.add(hostname)
        if role != "none":
            raft.online.add(hostname)
        self.docker = self.swarm = self.node = self

    def info(self) -> SimpleNamespace:
        return SimpleNamespace(swarm=SimpleNamespace(
            local_node_state=self.state, node_id=self.hostname, cluster=None, nodes=0, managers=len(self.raft.members),
            control_available=self.state == "active" and self.hostname in self.raft.members))

    def demote(self, ids: list[str]) -> None:
        if not self.raft.has_leader():
            raise DockerException(["docker", "node", "demote", *ids], 1, b"", NO_LEADER.encode())
        self.raft.members -= set(ids)

    def leave(self, force: bool = False) -> None:
        if self.state == "inactive":
            raise DockerException(["docker", "swarm", "leave"], 1)
        if self.refusals or (self.hostname in self.raft.members and not self.raft.has_leader()):
            self.refusals = max(self.refusals - 1, 0)
            raise DockerException(["docker", "swarm", "leave"], 1, b"", DEADLINE.encode() + b"\n")
        self.state = "inactive"
        self.raft.online.discard(self.hostname)


DEADLINE = "Error response from daemon: context deadline exceeded"
NO_LEADER = "Error response from daemon: rpc error: code = Unknown desc = The swarm does not have a leader."


def swarm_of(*roles: str, refusals: int = 0) -> list[SwarmHost]:
    raft = Raft()
    return [SwarmHost(f"docker{i}", raft, role, refusals if i == 1 else 0) for i, role in enumerate(roles, 1)]


def test_a_formation_that_failed_part_way_is_left_on_every_host_that_joined() -> None:
    from swarmproof.providers.ssh_swarm import leave_formed

    nodes = swarm_of("manager", "manager", "none")
    assert leave_formed(nodes) == ["left the swarm the run formed on docker1, docker2"]  # type: ignore[arg-type]
    assert [n.state for n in nodes] == ["inactive"] * 3


def test_three_managers_leave_with_the_last_still_led_because_the_others_were_demoted_first() -> None:
    from swarmproof.providers.ssh_swarm import leave_formed

    nodes = swarm_of("manager", "manager", "manager", "worker")
    said = leave_formed(nodes, timeout=0.0)  # type: ignore[arg-type]
    assert said == ["left the swarm the run formed on docker1, docker2, docker3, docker4"]
    assert [n.state for n in nodes] == ["inactive"] * 4


def test_a_manager_whose_leave_times_out_in_the_daemon_is_asked_again() -> None:
    from swarmproof.providers.ssh_swarm import leave_formed

    nodes = swarm_of("manager", "worker", refusals=1)
    assert leave_formed(nodes) == ["left the swarm the run formed on docker1, docker2"]  # type: ignore[arg-type]
    assert [n.state for n in nodes] == ["inactive"] * 2


def test_a_host_that_never_leaves_its_leaderless_swarm_is_named_with_the_daemons_answer() -> None:
    from swarmproof.providers.ssh_swarm import leave_formed

    nodes = swarm_of("manager", "manager", "manager")
    for gone in nodes[1:]:  # two managers already out, still in the raft: no leader, no demotion
        gone.state = "inactive"
        gone.raft.online.discard(gone.hostname)
    with pytest.raises(SwarmproofError, match=rf"docker1: timed out .*'active', '{DEADLINE}'\) \(`docker swarm"):
        leave_formed(nodes, timeout=0.0)  # type: ignore[arg-type]
    assert nodes[0].state == "active"


def test_dockerds_own_networks_are_the_same_after_a_restart_but_a_remade_network_is_not() -> None:
    from swarmproof.providers.ssh_swarm import network_key

    assert network_key("a" * 64, "bridge") == network_key("b" * 64, "bridge")
    assert network_key("a" * 64, "owners-net") != network_key("b" * 64, "owners-net")


def test_the_routing_mesh_network_is_removed_with_the_clis_question_answered(tmp_path: Path) -> None:
    asked = tmp_path / "asked"
    cli = tmp_path / "docker"
    cli.write_text(f"#!/bin/sh\necho \"$*\" > {asked}; read answer; echo \"$answer\" >> {asked}\n")
    cli.chmod(0o755)
    ssh_swarm.remove_ingress(SimpleNamespace(network=SimpleNamespace(docker_cmd=[str(cli), "--host", "unix:///x"])),
                             "ingress")  # type: ignore[arg-type]
    assert asked.read_text().splitlines() == ["--host unix:///x network rm ingress", "y"]
