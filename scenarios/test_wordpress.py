"""WordPress end to end through the mesh: a post published through the REST API on one
node can be read through every node, whichever replica and Galera member serve it."""

from __future__ import annotations

import secrets

import pytest

from swarmproof import wordpress
from swarmproof.deployment import Deployment
from swarmproof.waits import Wait

# WordPress reaches its database through the mysql-galera VIP.
pytestmark = [pytest.mark.wordpress, pytest.mark.engine, pytest.mark.requires("ip_vs")]


def test_a_post_created_through_one_node_is_read_through_every_node(galera_stack: Deployment) -> None:
    nodes = galera_stack.cluster.nodes
    with_task = {t.node.hostname for t in galera_stack.tasks("wordpress")}
    # Through a node that runs no WordPress task, if there is one: the mesh must carry it.
    writer = next((n for n in nodes if n.hostname not in with_task), nodes[0])
    url = galera_stack.wordpress_url(writer)
    session = wordpress.login(url, galera_stack.passwords.wordpress_admin)
    title = f"swarmproof {secrets.token_hex(6)}"
    post_id = wordpress.create_post(url, session, title, "written through the routing mesh")
    for node in nodes:
        # A Galera member applies a write certified elsewhere a moment later: poll briefly.
        seen = Wait(what=f"post {post_id} readable through {node.hostname}",
                    probe=lambda n=node: wordpress.read_post(galera_stack.wordpress_url(n), post_id),
                    done=lambda post: post["title"]["rendered"] == title, timeout=30, interval=1.0).until()
        assert seen["status"] == "publish", f"post {post_id} through {node.hostname}: {seen['status']}"
