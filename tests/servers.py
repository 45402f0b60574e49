"""Real servers for tests: the service started as `make run` starts it, spoken to over HTTP."""

import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from api.server import STOP_TIMEOUT

ROOT = Path(__file__).resolve().parent.parent


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """``python -m api.server`` on 127.0.0.1 with the given environment."""

    def __init__(self, tmp_path, database_url, **env):
        if str(env.get("LOG_LEVEL", "INFO")).upper() not in ("DEBUG", "INFO"):
            # start() waits for each worker's start line, which granian writes at INFO.
            raise ValueError("a test server logs at INFO or DEBUG: start() waits for its workers' start lines")
        self.port = free_port()
        self.log_path = tmp_path / f"server-{self.port}.log"
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "HOST": "127.0.0.1",
            "PORT": str(self.port),
            "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / f"metrics-{self.port}"),
            **{key: str(value) for key, value in env.items()},
        }
        self.process = None

    def start(self, timeout=20):
        with open(self.log_path, "w") as log:  # the server keeps its own copy of the file
            self.process = subprocess.Popen(
                [sys.executable, "-m", "api.server"],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited: {self.log_path.read_text()[-2000:]}")
            try:
                if self.get("/health")[0] == 200:
                    # Every worker, not just the first: a stop while one is still starting can hang granian.
                    return self.wait_for_workers(int(self.env.get("WEB_CONCURRENCY", "2")), timeout)
            except OSError:
                time.sleep(0.1)
        os.killpg(self.process.pid, signal.SIGKILL)  # no server left behind by a failed start
        self.process.wait()
        raise RuntimeError(f"the server did not answer in {timeout} s: {self.log_path.read_text()[-2000:]}")

    def wait_for_workers(self, count, timeout=20):
        """Until ``count`` workers have loaded the app (the server logs each one)."""
        deadline = time.monotonic() + timeout
        while self.log_path.read_text().count('"Started worker-') < count:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{count} workers not ready in {timeout} s: {self.log_path.read_text()[-2000:]}")
            time.sleep(0.05)
        return self

    def get(self, path, headers=None, timeout=10):
        """``(status, headers, body)`` of a GET on a new connection."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            connection.request("GET", path, headers=headers or {})
            response = connection.getresponse()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
        finally:
            connection.close()

    def get_json(self, path, headers=None):
        status, headers, body = self.get(path, headers)
        return status, headers, json.loads(body) if body else None

    def log_lines(self):
        """The JSON lines written (the app's and the server's)."""
        lines = []
        for line in self.log_path.read_text().splitlines():
            if line.startswith("{"):
                lines.append(json.loads(line))
        return lines

    def stop(self, sig=signal.SIGTERM, timeout=STOP_TIMEOUT + 15):
        if self.process and self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        return self.process.returncode if self.process else None


class PrivatePostgres:
    """A PostgreSQL server of the test's own, which it may stop and start: the shared test
    server (.ci/postgres, port 54329) stays up for everyone else.

    Made by .ci/postgres itself, on another port and data folder; restarted with the same
    options (.ci/postgres start would make a new, empty cluster).
    """

    def __init__(self):
        self.port = free_port()
        self.dir = Path(f"/tmp/tendances-postgres-faults-{self.port}")  # short: it holds the Unix socket
        self.url = None

    def _as_owner(self, *argv):
        bin_dir = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name))[-1]
        prefix = ["runuser", "-u", "postgres", "--"] if os.getuid() == 0 else []
        subprocess.run([*prefix, str(bin_dir / argv[0]), *argv[1:]], check=True, capture_output=True, timeout=60)

    def start(self):
        if self.url is None:
            env = {**os.environ, "PGPORT": str(self.port), "PGDIR": str(self.dir)}
            script = ROOT / ".ci" / "postgres"
            self.url = subprocess.run([str(script), "start"], env=env, check=True, capture_output=True, text=True).stdout.strip()
            return self
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off"
        self._as_owner("pg_ctl", "-D", str(self.dir / "data"), "-l", str(self.dir / "server.log"), "-w", "-o", options, "start")
        return self

    def stop(self):
        self._as_owner("pg_ctl", "-D", str(self.dir / "data"), "-m", "fast", "-w", "stop")

    def remove(self):
        subprocess.run(
            [str(ROOT / ".ci" / "postgres"), "stop"],
            env={**os.environ, "PGPORT": str(self.port), "PGDIR": str(self.dir)},
            capture_output=True,
        )
        shutil.rmtree(self.dir, ignore_errors=True)
