from __future__ import annotations

from types import SimpleNamespace

import pytest

from swarmproof.capabilities import Capabilities, choose_node_mode, create_in_mode
from swarmproof.errors import NodesUnsupported
from swarmproof.providers.dind import node_addresses
from swarmproof.run import Run

from .fakes import FakeAPI, FakeClient


def test_privileged_is_tried_first_and_kept_where_accepted() -> None:
    client = FakeClient()
    assert choose_node_mode(client, "node", Run()) == ("privileged", "privileged accepted")  # type: ignore[arg-type]
    assert all(c.removed for c in client.api.created), "probe containers must never be left behind"


def test_fallback_is_used_where_privileged_is_refused_and_says_why() -> None:
    client = FakeClient(FakeAPI(refuse_privileged=True))
    mode, why = choose_node_mode(client, "node", Run())  # type: ignore[arg-type]
    assert mode == "fallback"
    assert why == "privileged refused: unable to apply caps: operation not permitted"
    assert all(c.removed for c in client.api.created)


def test_a_forced_mode_that_is_refused_is_a_one_line_error() -> None:
    client = FakeClient(FakeAPI(refuse_privileged=True))
    with pytest.raises(NodesUnsupported, match="runs no Docker-in-Docker node: privileged refused"):
        choose_node_mode(client, "node", Run(), wanted="privileged")  # type: ignore[arg-type]


def test_fallback_mode_unmasks_system_paths_and_mounts_cgroups_rw() -> None:
    client = FakeClient()
    create_in_mode(client, "node", "fallback", labels={}, binds=["data:/var/lib/docker:rw"])  # type: ignore[arg-type]
    host_config = client.api.created[0].created["host_config"]
    assert host_config["MaskedPaths"] == [] and host_config["ReadonlyPaths"] == []
    assert host_config["cap_add"] == ["ALL"] and host_config["cap_drop"] == ["SYS_RESOURCE"]
    assert host_config["binds"] == ["/sys/fs/cgroup:/sys/fs/cgroup:rw", "data:/var/lib/docker:rw"]
    assert not host_config["Privileged"]


def test_a_node_is_created_at_its_pinned_address() -> None:
    client = FakeClient()
    create_in_mode(client, "node", "fallback", labels={}, network="net", address="172.30.0.3")  # type: ignore[arg-type]
    created = client.api.created[0].created
    assert created["networking_config"] == {"EndpointsConfig": {"net": {"IPAMConfig": {"IPv4Address": "172.30.0.3"}}}}
    assert created["host_config"]["network_mode"] == "net"


def test_node_addresses_follow_the_gateway() -> None:
    network = SimpleNamespace(attrs={"IPAM": {"Config": [{"Subnet": "172.30.0.0/16", "Gateway": "172.30.0.1"}]}})
    assert node_addresses(network, 3) == ["172.30.0.2", "172.30.0.3", "172.30.0.4"]
    no_gateway = SimpleNamespace(attrs={"IPAM": {"Config": [{"Subnet": "10.9.8.0/24"}]}})
    assert node_addresses(no_gateway, 2) == ["10.9.8.2", "10.9.8.3"]


def test_privileged_mode_masks_nothing_extra() -> None:
    client = FakeClient()
    create_in_mode(client, "node", "privileged", labels={})  # type: ignore[arg-type]
    host_config = client.api.created[0].created["host_config"]
    assert host_config["Privileged"] and "MaskedPaths" not in host_config


def test_missing_capability_reasons() -> None:
    caps = Capabilities("fallback", "privileged refused: x", ip_vs=False, ip_vs_detail="absent", cgroup_version="1")
    assert "IP_VS" in (caps.missing("ip_vs") or "")
    assert caps.missing("privileged") == "nodes are not privileged: privileged refused: x"
    assert Capabilities("privileged", "", True, "loaded", "2").missing("ip_vs") is None
    with pytest.raises(ValueError, match="unknown capability"):
        caps.missing("gpu")
