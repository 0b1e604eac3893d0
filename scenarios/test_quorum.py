"""The deployed stack's quorum: every Galera member healthy in one Primary component of
three, agreeing on the cluster state, replicating writes; etcd healthy with its member."""

from __future__ import annotations

import secrets

import pytest

from swarmproof.deployment import Deployment, Task
from swarmproof.galera import unhealthy

pytestmark = pytest.mark.quorum


def members(deployment: Deployment) -> list[Task]:
    """The three running Galera tasks (a check that found fewer would check less)."""
    __tracebackhide__ = True
    found = deployment.tasks("mysql-galera")
    assert len(found) == 3, f"expected 3 running Galera tasks, found {[m.container for m in found]}"
    return found


def test_every_member_is_synced_primary_and_ready_in_a_cluster_of_three(galera_stack: Deployment) -> None:
    for member in members(galera_stack):
        status = galera_stack.galera_status(member)
        assert not unhealthy(status, 3), f"{member.container} on {member.node.hostname}: {unhealthy(status, 3)}"


def test_members_agree_on_who_is_in_the_cluster(galera_stack: Deployment) -> None:
    # Not the state UUID: every member starts from the history baked into the image, so a
    # cluster bootstrapped beside this one would show the same UUID.
    views = {m.container: sorted(galera_stack.galera_status(m)["wsrep_incoming_addresses"].split(","))
             for m in members(galera_stack)}
    assert len({tuple(v) for v in views.values()}) == 1, f"members disagree on who is in the cluster: {views}"
    assert all(len(v) == 3 for v in views.values()), f"expected three members in each view: {views}"


def test_a_row_written_through_one_member_is_read_back_from_each_other(galera_stack: Deployment) -> None:
    writer, *readers = members(galera_stack)
    token = secrets.token_hex(8)
    galera_stack.sql(writer, "CREATE DATABASE IF NOT EXISTS swarmproof; "
                             "CREATE TABLE IF NOT EXISTS swarmproof.probe (token CHAR(16) PRIMARY KEY); "
                             f"INSERT INTO swarmproof.probe VALUES ('{token}')")
    for reader in readers:
        # Galera's replication is virtually synchronous: wsrep_sync_wait makes the read wait
        # for every write committed in the cluster before it, so no polling is needed.
        found = galera_stack.sql(reader, f"SET SESSION wsrep_sync_wait = 1; "
                                         f"SELECT COUNT(*) FROM swarmproof.probe WHERE token = '{token}'")
        assert found == "1", f"{reader.container} does not see the row written through {writer.container}"


def test_etcd_is_healthy_and_lists_its_member(galera_stack: Deployment) -> None:
    assert '"health":"true"' in galera_stack.etcd_health()
    (task,) = galera_stack.tasks("etcd")
    members = galera_stack.exec(task, ["etcdctl", "--endpoints=http://127.0.0.1:2379", "member", "list"])
    assert len(members.strip().splitlines()) == 1 and "started" in members, f"etcd members: {members!r}"
