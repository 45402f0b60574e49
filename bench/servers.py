"""make bench-servers: the same app under granian, gunicorn and waitress, fast clients and slow ones.

The service runs under granian (api/server.py), whose event loop reads each request's line and
headers and hands the app's threads only complete requests; it used to run under gunicorn's
gthread workers, whose threads read the headers themselves; waitress, the other common pure
Python choice, reads them on its own event loop. The three serve the app (api:create_app) from
one freshly migrated and seeded SQLite database, rate limit off and warnings-only logs, each on
its own port, all running at once:

- a kept answer (GET /v1/trends) under wrk at 32 connections: rounds interleave the servers, each
  run after a 1 s warm-up; medians of requests per second and of p50 / p99 latency;
- slow clients, once per server after the rounds: 300 connections each send a request line, then
  one header line every 5 s, never finishing, while one client asks /health and /v1/trends in
  turn on a new connection every 50 ms (10 s timeout): how many requests it got answered (200),
  how fast (a timed-out request counted as 10 s), and how many slow connections the server closed.

The table is printed and kept in bench/RESULTS.md, between the markers below (added at the end
of the file the first time); the rest of the file is left as it is.

Environment: SERVERS_DURATION (seconds per wrk run, 5), SERVERS_ROUNDS (3), SLOW_DURATION
(seconds the slow clients are held, 30).
"""

import contextlib
import itertools
import math
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from api.config import from_env  # noqa: E402
from bench.run import BIN, ensure_wrk, free_port, prepare_database, wrk  # noqa: E402

RESULTS = ROOT / "bench" / "RESULTS.md"
MARKERS = ("<!-- servers:start -->", "<!-- servers:end -->")
PATH = "/v1/trends"
SLOW_CLIENTS = 300
SLOW_LINE_EVERY = 5  # seconds between a slow client's header lines
PROBE_PATHS = ("/health", "/v1/trends")
PROBE_EVERY = 0.05  # seconds from one probe request's start to the next's
PROBE_TIMEOUT = 10  # seconds; a later answer is no answer
STOP_TIMEOUT = 30  # seconds a server has to exit on SIGTERM before its process group is killed


def servers(settings):
    """``[(name, settings as shown, command line for a port)]``, the service's own server first."""
    return [
        (
            "granian",
            f"`python -m api.server`: {settings['WEB_CONCURRENCY']} workers x {settings['THREADS']} threads, "
            f"{settings['HEADER_TIMEOUT']} s to send a request head",
            lambda port: [str(BIN / "python"), "-m", "api.server"],
        ),
        (
            "gunicorn",
            "gthread, 2 workers x 4 threads, keep-alive 5 s",
            lambda port: [
                str(BIN / "gunicorn"),
                *("-k", "gthread", "-w", "2", "--threads", "4", "--keep-alive", "5", "--no-control-socket"),
                *("-b", f"127.0.0.1:{port}", "api:create_app()"),
            ],
        ),
        (
            "waitress",
            "1 process x 8 threads (no workers), at most 100 connections (its default)",
            lambda port: [str(BIN / "waitress-serve"), f"--listen=127.0.0.1:{port}", "--threads=8", "--call", "api:create_app"],
        ),
    ]


def start(argv, env, port, log):
    """The server, in a session of its own, once it answers GET /v1/trends with a 200."""
    process = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{PATH}", timeout=1) as response:
                if response.status == 200:
                    return process
        except OSError:
            time.sleep(0.1)
    stop(process)
    raise RuntimeError(f"{argv[0]} did not start (log: {log.name})")


def stop(process):
    """SIGTERM, then whatever is left of the server's process group is killed (all of it after 30 s)."""
    with contextlib.suppress(ProcessLookupError):
        process.terminate()
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(STOP_TIMEOUT)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def throughput(ports, duration, rounds):
    """``{name: [wrk run]}``: one run per server and round, the order turning each round."""
    names = list(ports)
    samples = {name: [] for name in names}
    for round_number in range(rounds):
        for name in names[round_number % len(names) :] + names[: round_number % len(names)]:
            wrk(ports[name], PATH, 32, 1)  # warm-up
            samples[name].append(wrk(ports[name], PATH, 32, duration))
        print(f"round {round_number + 1}/{rounds} done", flush=True)
    return samples


def slow_clients(port, duration):
    """``(probe outcomes, slow connections the server closed)``, the slow clients held ``duration`` s."""
    connections = [connect(port) for _ in range(SLOW_CLIENTS)]
    closed = {index for index, connection in enumerate(connections) if connection is None}
    stopping = threading.Event()
    outcomes = []
    threads = [
        threading.Thread(target=trickle, args=(connections, closed, stopping)),
        threading.Thread(target=probe, args=(port, outcomes, stopping)),
    ]
    try:
        for thread in threads:
            thread.start()
        time.sleep(duration)
    finally:
        stopping.set()
        for thread in threads:
            if thread.is_alive():
                thread.join()
        closed |= {index for index, connection in enumerate(connections) if index not in closed and hung_up(connection)}
        for connection in connections:
            if connection is not None:
                connection.close()
    return outcomes, len(closed)


def connect(port):
    """A slow client's connection once it has sent its request line; None if the server refused or closed it."""
    try:
        connection = socket.create_connection(("127.0.0.1", port), timeout=5)
    except OSError:
        return None
    try:
        connection.sendall(f"GET {PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\n".encode())
    except OSError:
        connection.close()
        return None
    return connection


def trickle(connections, closed, stopping):
    """One more header line on every open slow connection each 5 s, until ``stopping`` is set."""
    while not stopping.wait(SLOW_LINE_EVERY):
        for index, connection in enumerate(connections):
            if index not in closed:
                try:
                    connection.sendall(b"X-Slow: 1\r\n")
                except OSError:
                    closed.add(index)


def hung_up(connection):
    """Whether the server closed the connection: it reads as ended (after any answer it sent) or reset."""
    connection.setblocking(False)
    try:
        while connection.recv(65536):
            pass
    except BlockingIOError:
        return False
    except OSError:
        return True
    return True


def probe(port, outcomes, stopping):
    """``(outcome, seconds)`` of a request each 50 ms (or as soon as the last one ended), until ``stopping``."""
    for path in itertools.cycle(PROBE_PATHS):
        outcome = get(port, path)
        outcomes.append(outcome)
        if stopping.wait(max(0.0, PROBE_EVERY - outcome[1])):
            return


def get(port, path):
    """``(status, seconds)`` of one request on a new connection; status "timeout" after 10 s, or the error's name."""
    started = time.monotonic()
    deadline = started + PROBE_TIMEOUT
    chunks = []
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=PROBE_TIMEOUT) as connection:
            connection.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
            while True:
                connection.settimeout(max(deadline - time.monotonic(), 0.001))
                if not (chunk := connection.recv(65536)):
                    break
                chunks.append(chunk)
    except TimeoutError:
        return "timeout", PROBE_TIMEOUT
    except OSError as error:
        return type(error).__name__, time.monotonic() - started
    head = b"".join(chunks).split(b"\r\n", 1)[0].split()
    return (head[1].decode() if len(head) > 1 else "no answer"), time.monotonic() - started


def percentile(values, p):
    """The nearest-rank percentile ``p`` of ``values``."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def row(name, settings, runs, outcomes, closed):
    answered = [seconds for status, seconds in outcomes if status == "200"]
    latencies = [seconds * 1000 for seconds in answered + [PROBE_TIMEOUT for status, _ in outcomes if status == "timeout"]]
    slow_latency = f"{percentile(latencies, 50):,.1f} / {percentile(latencies, 99):,.1f}" if latencies else "—"
    return (
        f"| {name} | {settings} | {statistics.median(run[0] for run in runs):,.0f} | "
        f"{statistics.median(run[1] for run in runs):.2f} / {statistics.median(run[2] for run in runs):.2f} | "
        f"{len(answered)} / {len(outcomes)} | {slow_latency} | {closed} / {SLOW_CLIENTS} |"
    )


def section(rows, duration, rounds, slow_duration, errors):
    versions = ", ".join(f"{name} {metadata.version(name)}" for name in ("granian", "gunicorn", "waitress"))
    return [
        "## Servers compared",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `make bench-servers` ({os.cpu_count()} cores, Python "
        f"{platform.python_version()}; {versions}; wrk 4.1): the app on one seeded SQLite database, rate limit off, "
        f"warnings-only logs. c32: wrk at 32 connections on GET {PATH}, {rounds} interleaved rounds of {duration} s, each "
        f"after a 1 s warm-up, medians; answers other than 2xx/3xx: {errors}. Slow clients: {SLOW_CLIENTS} connections "
        f"each sending a request line then a header line every {SLOW_LINE_EVERY} s, never finishing, held "
        f"{slow_duration} s, while one client asks /health and {PATH} in turn on a new connection every "
        f"{PROBE_EVERY * 1000:.0f} ms; answered means a 200 within {PROBE_TIMEOUT} s, and a timed-out request counts as "
        f"{PROBE_TIMEOUT} s in its percentiles.",
        "",
        "| server | settings | req/s (c32) | p50 / p99 ms (c32) | slow clients: answered | slow clients: p50 / p99 ms | "
        "slow connections closed by the server |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
        *rows,
    ]


def write_section(lines):
    """``lines`` between the markers of bench/RESULTS.md, replacing what was there; the markers appended if missing."""
    text = RESULTS.read_text(encoding="utf-8")
    block = "\n".join([MARKERS[0], *lines, MARKERS[1]])
    begin, end = text.find(MARKERS[0]), text.find(MARKERS[1])
    if begin >= 0 and end > begin:
        text = text[:begin] + block + text[end + len(MARKERS[1]) :]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    RESULTS.write_text(text, encoding="utf-8")


def main():
    ensure_wrk()
    duration = int(os.environ.get("SERVERS_DURATION", "5"))
    rounds = int(os.environ.get("SERVERS_ROUNDS", "3"))
    slow_duration = int(os.environ.get("SLOW_DURATION", "30"))
    workdir = Path(tempfile.mkdtemp(prefix="tendances-servers-"))
    env = {**os.environ, "FLASK_APP": "api", "RATE_LIMIT": "none", "LOG_LEVEL": "WARNING"}
    env.pop("DATABASE_URL", None)  # SQLite, whatever the shell says
    prepare_database(workdir, env)
    table = servers(from_env(env))
    ports = {name: free_port() for name, _, _ in table}
    with contextlib.ExitStack() as stack:
        for name, _, argv in table:
            metrics = workdir / f"metrics-{name}"
            metrics.mkdir()
            log = stack.enter_context(open(workdir / f"{name}.log", "w"))
            server_env = {**env, "PORT": str(ports[name]), "PROMETHEUS_MULTIPROC_DIR": str(metrics)}
            stack.callback(stop, start(argv(ports[name]), server_env, ports[name], log))
        samples = throughput(ports, duration, rounds)
        slow = {}
        for name in ports:
            print(f"{name}: {SLOW_CLIENTS} slow clients for {slow_duration} s", flush=True)
            slow[name] = slow_clients(ports[name], slow_duration)
            print(f"  probe outcomes: {dict(Counter(status for status, _ in slow[name][0]))}", flush=True)
    errors = {name: sum(run[3] for run in runs) for name, runs in samples.items()}
    rows = [row(name, settings, samples[name], *slow[name]) for name, settings, _ in table]
    lines = section(rows, duration, rounds, slow_duration, ", ".join(f"{name} {count}" for name, count in errors.items()))
    print("\n".join(lines))
    write_section(lines)
    shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
