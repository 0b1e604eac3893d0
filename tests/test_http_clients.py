"""HttpClients against a tiny local server whose answer the test changes midway."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from swarmproof.http_clients import HttpClients, ask
from swarmproof.waits import Wait


class Release(BaseHTTPRequestHandler):
    status, release = 200, "v1"

    def do_GET(self) -> None:
        self.send_response(Release.status)
        self.send_header("X-Swarmproof-Release", Release.release)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[tuple[str, int]]:
    Release.status, Release.release = 200, "v1"
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Release)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield ("127.0.0.1", httpd.server_address[1])
    httpd.shutdown()


def test_clients_keep_every_answer_with_the_release_that_served_it_and_count_failures(
        server: tuple[str, int]) -> None:
    with HttpClients({"docker1": server, "docker2": server}, interval=0.01) as clients:
        Wait("answers from v1", lambda: clients.releases(), lambda seen: seen["v1"] >= 4, timeout=10).until()
        Release.status, Release.release = 502, "v2"
        Wait("a failed answer", clients.failures, bool, timeout=10).until()
    assert {answer.node for answer in clients.answers} == {"docker1", "docker2"}
    assert clients.failures()[0].status == 502 and clients.failures()[0].release == "v2"
    assert "failed; served by release: {'v1': " in clients.summary()


def test_no_answer_at_all_is_a_failure_saying_why() -> None:
    answer = ask("docker3", "http://127.0.0.1:9/", 1.0, timeout=2)
    assert not answer.ok and answer.status is None and "ConnectionError" in answer.error
