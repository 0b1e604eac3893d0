"""Form or adopt: what the hosts' own swarm states decide, before anything changes."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from python_on_whales.exceptions import DockerException

from swarmproof.errors import WaitTimeout
from swarmproof.inventory import InventoryError
from swarmproof.providers.ssh_swarm import ADOPT, FORM, HostState, SwarmFacts, decide

MANAGERS = ["docker1", "docker2", "docker3"]


def idle(*names: str) -> dict[str, SwarmFacts]:
    return {name: SwarmFacts("inactive") for name in names}


def one_swarm(*names: str, cluster: str = "c1", nodes: int | None = None) -> dict[str, SwarmFacts]:
    size = len(names) if nodes is None else nodes
    return {name: SwarmFacts("active", f"id-{name}", cluster if i < 3 else "", i < 3, size if i < 3 else 0)
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
        self.items = list(names)
        self.stubborn = stubborn  # removal refused (a network the engine keeps, say)

    def list(self, **_: object) -> list[SimpleNamespace]:
        return [SimpleNamespace(id=name, name=name) for name in self.items]

    def remove(self, item: str, **_: object) -> None:
        if item in self.stubborn:
            raise DockerException(["docker", "rm", item], 1)
        self.items.remove(item)


class FakeHost:
    def __init__(self) -> None:
        self.container, self.volume = FakeKind("old-c"), FakeKind("old-v")
        self.image, self.network = FakeKind("old-i"), FakeKind("bridge", "host")

    def info(self) -> SimpleNamespace:
        return SimpleNamespace(swarm=SimpleNamespace(local_node_state="inactive", node_id="", cluster=None,
                                                     control_available=False, nodes=0))


def test_the_end_removes_what_the_run_made_and_nothing_else() -> None:
    host = FakeHost()
    before = HostState.of(host)  # type: ignore[arg-type]
    host.container.items += ["task-1", "task-2"]
    host.volume.items.append("galera_etcd-data")
    host.image.items.append("galera")
    host.network.items.append("docker_gwbridge")
    said = before.made_since(host)  # type: ignore[arg-type]
    assert said == "2 container(s), 1 volume(s), 1 image(s), 1 network(s)"
    assert HostState.of(host) == before  # type: ignore[arg-type]


def test_what_will_not_go_is_named_after_its_wait() -> None:
    host = FakeHost()
    before = HostState.of(host)  # type: ignore[arg-type]
    host.network.items.append("docker_gwbridge")
    host.network.stubborn = ("docker_gwbridge",)
    with pytest.raises(WaitTimeout, match="the networks the run made to be gone"):
        before.made_since(host, timeout=0.2)  # type: ignore[arg-type]


class Untouchable:
    """A node whose docker must not be used at all."""

    hostname = "docker1"

    @property
    def docker(self) -> None:
        raise AssertionError("the host was touched")


def test_a_run_refused_before_it_formed_or_adopted_touches_no_host_at_its_end() -> None:
    from swarmproof.providers.ssh import Ledger, restore

    ledger = Ledger(before={"docker1": HostState.of(FakeHost())})  # type: ignore[arg-type]
    assert restore([Untouchable()], ledger, "swarmproof-x", "x") == []  # type: ignore[list-item]
