"""The server as deployed, against clients that misbehave: slow ones, odd methods, no Host."""

import dataclasses
import json
import random
import re
import socket
import string
import threading
import time

import pytest

from api.metrics import METHODS
from seed.loader import load_report
from tests.conftest import build_app
from tests.servers import Server


@pytest.fixture(scope="module")
def server(tmp_path_factory, app):
    server = Server(tmp_path_factory.mktemp("server"), app.config["DATABASE_URL"], RATE_LIMIT="none", HEADER_TIMEOUT=10)
    yield server.start()
    server.stop()


def raw(port, data, timeout=10):
    """The answer's bytes to raw request bytes, on a connection of their own."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(data)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer


class Tricklers:
    """``count`` connections that send a request line, then one header line every ``every``
    seconds, never finishing their headers (a slowloris)."""

    def __init__(self, port, count, every=2.0):
        self.port, self.count, self.every = port, count, every
        self.sockets, self.running = [], True

    def __enter__(self):
        for _ in range(self.count):
            sock = socket.create_connection(("127.0.0.1", self.port), timeout=5)
            sock.sendall(b"GET /v1/trends HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            self.sockets.append(sock)
        self.thread = threading.Thread(target=self.trickle)
        self.thread.start()
        return self

    def trickle(self):
        while self.running:
            time.sleep(self.every)
            for sock in list(self.sockets):
                try:
                    sock.sendall(b"X-Slow: 1\r\n")
                except OSError:  # closed by the server
                    self.sockets.remove(sock)

    def __exit__(self, *exc):
        self.running = False
        self.thread.join()
        for sock in self.sockets:
            sock.close()


def test_three_hundred_slow_clients_do_not_hold_back_anyone(server):
    latencies = {"/health": [], "/v1/trends": []}
    with Tricklers(server.port, 300) as tricklers:
        deadline = time.monotonic() + 6
        while time.monotonic() < deadline:
            for path, seen in latencies.items():
                started = time.perf_counter()
                assert server.get(path, timeout=5)[0] == 200
                seen.append(time.perf_counter() - started)
            time.sleep(0.02)
        assert len(tricklers.sockets) == 300, "still trickling: none was answered, none was cut yet"
    for path, seen in latencies.items():
        seen.sort()
        p99 = seen[int(len(seen) * 0.99)]
        assert len(seen) > 50 and p99 < 1.0, f"{path}: p99 {p99 * 1000:.0f} ms over {len(seen)} requests"


def worker_warm_ups(server, count, timeout=20):
    """The log lines of the workers' warm-ups (api/server.py), once ``count`` of them are written."""
    deadline = time.monotonic() + timeout
    while True:
        lines = [line for line in server.log_lines() if line.get("message", "").startswith("search data ")]
        if len(lines) >= count or time.monotonic() > deadline:
            return lines
        time.sleep(0.05)


def test_each_worker_reads_the_search_data_as_it_starts(server, app):
    lines = worker_warm_ups(server, 2)
    with app.app_context():
        version = app.extensions["database"].execute_sql("SELECT value FROM metadata WHERE key = 'data_version'").fetchone()[0]
    assert [line["message"].split(",")[0] for line in lines] == [
        f"search data read as the worker started: data version {version}"
    ] * 2
    assert server.get("/v1/search?q=tiktok")[0] == 200


def test_each_worker_reads_the_search_data_again_after_a_seed(tmp_path, seeded_database_url, seeded_report):
    server = Server(tmp_path, seeded_database_url, WEB_CONCURRENCY=1, DATA_VERSION_TTL="1").start()
    try:
        (started,) = worker_warm_ups(server, 1)
        changed = dataclasses.replace(seeded_report, trends=[dataclasses.replace(t) for t in seeded_report.trends])
        changed.trends[1].title = "Social media : fin de partie"
        app = build_app(seeded_database_url)
        with app.app_context():
            load_report(changed)
            version = (
                app.extensions["database"].execute_sql("SELECT value FROM metadata WHERE key = 'data_version'").fetchone()[0]
            )
        lines = worker_warm_ups(server, 2, timeout=10)
        assert started["message"].startswith("search data read as the worker started: ")
        assert lines[-1]["message"].startswith(f"search data read after a seed: data version {version}, ")
        assert server.get_json("/v1/search?q=partie&type=trend")[2]["hits"][0]["number"] == 2
    finally:
        server.stop()


def test_a_worker_on_a_database_not_migrated_still_starts_and_reads_later(tmp_path, seeded_report):
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    server = Server(tmp_path, url, WEB_CONCURRENCY=1).start()
    try:
        (line,) = worker_warm_ups(server, 1)
        assert line["message"].startswith("search data not read as the worker started: ") and line["level"] == "WARNING"
        assert server.get("/health")[0] == 200
        with build_app(url).app_context():  # migrated and seeded while it runs
            load_report(seeded_report)
        lines = worker_warm_ups(server, 2, timeout=10)
        assert lines[-1]["message"].startswith("search data read late: data version ") and len(lines) == 2  # warned once
    finally:
        server.stop()


def test_a_client_slower_than_the_header_timeout_is_cut_off(tmp_path, app):
    server = Server(tmp_path, app.config["DATABASE_URL"], RATE_LIMIT="none", HEADER_TIMEOUT=1).start()
    try:
        sockets = [socket.create_connection(("127.0.0.1", server.port), timeout=5) for _ in range(5)]
        for sock in sockets:
            sock.sendall(b"GET /v1/trends HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # and nothing more
        started = time.monotonic()
        for sock in sockets:
            try:
                answer = sock.recv(65536)  # what the server sends before it closes, then b""
                while answer and (chunk := sock.recv(65536)):
                    answer += chunk
            except ConnectionResetError:
                pass
            sock.close()
        waited = time.monotonic() - started
        assert 0.5 <= waited < 3, f"cut after {waited:.1f} s"
    finally:
        server.stop()


def test_2000_unknown_methods_add_one_label_value(server):
    """Each unknown method once (over keep-alive connections); the metrics count them as ``other``."""
    methods = {"".join(random.choices(string.ascii_uppercase, k=12)) for _ in range(2000)}
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        for i, method in enumerate(sorted(methods)):
            close = b"Connection: close\r\n" if i == len(methods) - 1 else b""
            sock.sendall(f"{method} /v1/trends HTTP/1.1\r\nHost: 127.0.0.1\r\n".encode() + close + b"\r\n")
        answer = b""
        while chunk := sock.recv(1 << 20):
            answer += chunk
    assert answer.count(b"HTTP/1.1 405 ") == len(methods)
    _, headers, body = server.get("/metrics")
    text = body.decode()
    labels = set(re.findall(r'http_requests_total\{method="([^"]*)"', text))
    assert labels <= METHODS | {"other"} and "other" in labels
    other = re.search(r'http_requests_total\{method="other",route="/v1/trends",status="405"\} ([0-9.]+)', text)
    assert float(other.group(1)) == len(methods)
    assert len(body) < 64 * 1024, f"/metrics is {len(body)} bytes"


def test_a_path_no_rule_matches_counts_as_unmatched(server):
    for n in range(50):
        assert server.get(f"/nothing/{n}")[0] == 404
    text = server.get("/metrics")[2].decode()
    assert 'route="unmatched"' in text and "/nothing/" not in text


def test_http_1_1_without_host_is_a_400_problem_and_1_0_is_served(server):
    answer = raw(server.port, b"GET /v1/trends/5 HTTP/1.1\r\nConnection: close\r\n\r\n")
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400 ") and b"application/problem+json" in head
    assert "Host" in json.loads(body)["detail"]
    assert raw(server.port, b"GET /v1/trends/5 HTTP/1.0\r\n\r\n").startswith(b"HTTP/1.0 200 ")


def test_a_preflight_is_a_204_with_max_age(server):
    answer = raw(
        server.port,
        b"OPTIONS /v1/trends HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: https://front.example\r\n"
        b"Access-Control-Request-Method: GET\r\nConnection: close\r\n\r\n",
    )
    head, _, body = answer.partition(b"\r\n\r\n")
    status, *lines = head.decode().split("\r\n")
    headers = dict(line.lower().split(": ", 1) for line in lines)
    assert status.startswith("HTTP/1.1 204 ") and body == b""
    assert headers["access-control-max-age"] == "86400" and "content-type" not in headers
