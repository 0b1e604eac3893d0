"""Reading published bindings: the container view and /proc's listening sockets."""

from __future__ import annotations

import os
import socket
from pathlib import Path

from swarmproof.safety import Binding, container_bindings, hex_address, not_loopback, parse_proc_net, process_bindings

PROC_TCP = """  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:A1B2 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 111 1
   1: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 222 1
   2: 0100007F:A1B3 0100007F:0050 01 00000000:00000000 00:00000000 00000000     0        0 111 1
"""


def test_container_bindings_report_an_empty_host_ip_as_every_address() -> None:
    ports = {"80/tcp": [{"HostIp": "127.0.0.1", "HostPort": "32768"}], "3306/tcp": [{"HostIp": "", "HostPort": "5"}],
             "2377/tcp": None}
    assert container_bindings("n1", ports) == [Binding("n1 80/tcp", "127.0.0.1", 32768),
                                               Binding("n1 3306/tcp", "0.0.0.0", 5)]


def test_only_non_loopback_addresses_are_flagged() -> None:
    bindings = [Binding("a", "127.0.0.1", 1), Binding("b", "::1", 2), Binding("c", "0.0.0.0", 3),
                Binding("d", "10.0.2.15", 4), Binding("e", "::", 5)]
    assert [b.owner for b in not_loopback(bindings)] == ["c", "d", "e"]
    assert [b.owner for b in not_loopback(bindings, also_allowed=["10.0.2.15"])] == ["c", "e"]


def test_proc_net_tables_give_the_listening_sockets_of_the_inodes_asked() -> None:
    assert parse_proc_net(PROC_TCP, {"111"}) == [("127.0.0.1", 0xA1B2)]
    assert hex_address("00000000000000000000000001000000") == "::1"


def test_a_real_listening_socket_of_this_process_is_found(tmp_path: Path) -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        assert Binding("me", "127.0.0.1", port) in process_bindings(os.getpid(), "me")
