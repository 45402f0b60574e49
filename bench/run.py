"""make bench: the service against floors, under the same server settings, driven by wrk.

Two modes, measured in one run:

- **hot**: the service as deployed (answers kept in memory) against bench/floor.py, a bare Flask
  app answering the very bytes the service answered: what no Python service can beat;
- **cold**: the service with no kept answers (``RESPONSE_CACHE_MB=0``: every answer built, as
  partners' long-tail requests always are) against bench/cold_floor.py, which builds the same
  bytes from the same database with hand-written SQL and ``json.dumps`` (checked equal first).

All run under the server as `make run` runs the service (api/server.py: granian, 2 workers x 8
threads by default). Rounds interleave service and floor, so both meet the same machine state;
the tables report medians and each figure's ratio to its floor, and bench/RESULTS.md keeps them
(above the sections other benchmarks write there: bench/servers.py).

Environment: BENCH_DURATION (seconds per wrk run, 5), BENCH_ROUNDS (3), DATABASE_URL (a
PostgreSQL URL benchmarks PostgreSQL; default a fresh SQLite file).
"""

import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent

from api.config import from_env  # noqa: E402
from api.server import STOP_TIMEOUT  # noqa: E402

SCENARIOS = [
    ("trends list", "/v1/trends", False),
    ("trend detail", "/v1/trends/13", False),
    ("keyword query (all, 2)", "/v1/trends?keyword=influence-marketing&keyword=micro-et-nano&match=all", False),
    ("expert detail", "/v1/experts/nicolas-celic", False),
    ("search", "/v1/search?q=r%C3%A9seaux%20sociaux", False),
    ("304 revalidation", "/v1/trends", True),
]
TARGETS = {
    "trends list": 0.75,
    "trend detail": 0.75,
    "keyword query (all, 2)": 0.75,
    "expert detail": 0.75,
    "search": 0.45,
    "304 revalidation": 0.90,
}
COLD_SCENARIOS = [(name, path, False) for name, path, _ in SCENARIOS[:4]]
COLD_TARGET = 0.5  # cold lists, details and keyword queries: at least half the hand-written floor
COLD_SEARCH = SCENARIOS[4][:2]  # the service alone: a cold search's one-client p50 ...
SEARCH_TO_PAGE = 3.0  # ... at most this many times a cold trends page's, plus the query's embedding time
UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}
SECTIONS = "<!-- servers:start -->"  # where the sections of other benchmarks begin in RESULTS.md


def free_port():
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def prepare_database(workdir, env):
    """A migrated and seeded database, through the normal commands."""
    if not env.get("DATABASE_URL", "").startswith("postgres"):
        env["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.db'}"
    for command in (["db", "upgrade"], ["seed"]):
        subprocess.run([str(BIN / "flask"), *command], cwd=ROOT, env=env, check=True, capture_output=True)


def start(argv, env, port, log):
    process = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    for _ in range(200):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/trends", timeout=1).read()
            return process
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{argv} did not start")


# Seconds a server has to exit after SIGTERM: granian kills a worker that ignored its SIGTERM after
# STOP_TIMEOUT (api/server.py), then exits; past this, the server itself is stuck.
STOP_WAIT = STOP_TIMEOUT + 15
REFUSED = "refused to gracefully stop"  # granian's words when it kills a worker that would not stop


def stop(process, log_path=None):
    """SIGTERM, then wait for the server to exit: True if it stopped by itself, every worker too.

    A worker that ignored its SIGTERM (granian kills it ``STOP_TIMEOUT`` s after the signal and
    logs ``REFUSED``), or a server still running ``STOP_WAIT`` s after the signal (its whole
    process group is then killed), is said loudly and gives False: the run goes on to its report,
    and its caller fails it. ``REFUSED`` in the log of a server that stopped well before
    ``STOP_TIMEOUT`` is no hang: the worker had exited, but granian's watcher thread, which joins
    it too, had reaped it without yet recording it, so the ``is_alive`` that follows the stop's
    ``join`` still said True (granian/server/common.py: "the worker might still be reported after
    join"). That is said, and passes.
    """
    started = time.monotonic()
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(STOP_WAIT)
        stopped = True
    except subprocess.TimeoutExpired:
        stopped = False
        print(f"!!! SERVER HUNG: {process.args} (pid {process.pid}) still running {STOP_WAIT} s after SIGTERM; "
              "killing its process group", file=sys.stderr, flush=True)  # fmt: skip
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    took = time.monotonic() - started
    log = Path(log_path).read_text(errors="replace") if log_path else ""
    if REFUSED in log and took >= STOP_TIMEOUT:
        stopped = False
        print(f"!!! WORKER HUNG: a worker of {process.args} ignored its SIGTERM; granian killed it after {STOP_TIMEOUT} s "
              f"(the server took {took:.0f} s to stop):", file=sys.stderr, flush=True)  # fmt: skip
    elif REFUSED in log:
        print(f"note: granian says it killed a worker of {process.args}, but the server stopped in {took:.1f} s, "
              f"well within {STOP_TIMEOUT} s: the worker had exited (granian's join/is_alive race), no hang",
              file=sys.stderr, flush=True)  # fmt: skip
    if not stopped and log:
        for line in log.splitlines():  # the server's own account of its stop
            if "granian" in line and any(word in line for word in ("Shutting down", "Stopping", "Stopped", "Killing")):
                print(f"!!!   {line[:300]}", file=sys.stderr, flush=True)
    return stopped


def record(port, workdir):
    """The service's answer to each scenario, for the floor to replay."""
    payloads = {}
    for _, path, _ in SCENARIOS:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}") as response:
            payloads[path] = {
                "body": response.read().hex(),
                "content_type": response.headers["Content-Type"],
                "etag": response.headers["ETag"],
            }
    target = workdir / "payloads.json"
    target.write_text(json.dumps(payloads), encoding="utf-8")
    return target, payloads


def wrk(port, path, connections, duration, header=None):
    """``(requests per second, p50 ms, p99 ms, non-2xx/3xx count)`` of one wrk run."""
    threads = min(2, connections)
    argv = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency", f"http://127.0.0.1:{port}{path}"]
    if header:
        argv[1:1] = ["-H", header]
    output = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    latency = {p: float(v) * UNITS[u] for p, v, u in re.findall(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", output, re.M)}
    if set(latency) != {"50", "99"}:
        raise RuntimeError(f"unexpected wrk output:\n{output}")
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return rps, latency["50"], latency["99"], int(errors.group(1)) if errors else 0


def ensure_wrk():
    if shutil.which("wrk") is None:
        print("installing wrk (Debian package)", flush=True)
        subprocess.run(
            ["apt-get", "install", "-y", "-q", "--no-install-recommends", "wrk"],
            check=True,
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
            capture_output=True,
        )


def main():
    ensure_wrk()
    duration = int(os.environ.get("BENCH_DURATION", "5"))
    rounds = int(os.environ.get("BENCH_ROUNDS", "3"))
    workdir = Path(tempfile.mkdtemp(prefix="tendances-bench-"))
    env = {
        **os.environ,
        "FLASK_APP": "api",
        "LOG_LEVEL": "INFO",
        "RATE_LIMIT": "1000000000/minute",
        "PUBLIC_URL": "http://127.0.0.1:8000",  # one for every server: the same bytes whatever the port
    }
    prepare_database(workdir, env)
    servers = {}
    stopped = []

    def serve(name, *target, **settings):
        """A server as `make run` starts it (``target``: another app), on a port of its own."""
        port = free_port()
        log = open(workdir / f"{name}.log", "w")  # closed with the process, below
        run_env = {**env, **settings, "PORT": str(port), "PROMETHEUS_MULTIPROC_DIR": str(workdir / f"metrics-{name}")}
        servers[name] = (start([str(BIN / "python"), "-m", "api.server", *target], run_env, port, log), log)
        return port

    try:
        ports = {"service": serve("service")}
        payload_file, payloads = record(ports["service"], workdir)
        # The floors run under the service's own server and settings: same workers, threads and
        # limits; only the application differs.
        ports["floor"] = serve("floor", "bench.floor:app", FLOOR_PAYLOADS=str(payload_file))
        cold = {"service": serve("cold-service", RESPONSE_CACHE_MB="0"), "floor": serve("cold-floor", "bench.cold_floor:app")}
        check_same_bytes(cold, [path for _, path, _ in COLD_SCENARIOS])
        hot_samples, cold_samples, search_samples = {}, {}, {}
        for round_number in range(rounds):
            measure(ports, SCENARIOS, payloads, duration, round_number, hot_samples)
            measure(cold, COLD_SCENARIOS, payloads, duration, round_number, cold_samples)
            measure({"service": cold["service"]}, [(*COLD_SEARCH, False)], payloads, duration, round_number, search_samples)
            print(f"round {round_number + 1}/{rounds} done", flush=True)
    finally:
        for process, log in servers.values():
            stopped.append(stop(process, log.name))
            log.close()
    settings = from_env(env)
    embedding = embedding_ms(env["DATABASE_URL"], COLD_SEARCH[1])  # the servers stopped: the machine is quiet
    report(hot_samples, cold_samples, search_samples, duration, rounds, settings, env["DATABASE_URL"], embedding)
    shutil.rmtree(workdir, ignore_errors=True)
    if not all(stopped):
        sys.exit("FAILED: a server did not stop by itself on SIGTERM (see the lines marked !!! above)")


def check_same_bytes(ports, paths):
    """The cold floor answers the very bytes the cold service does (else it measures something else)."""
    for path in paths:
        bodies = {}
        for name, port in ports.items():
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}") as response:
                bodies[name] = response.read()
        if bodies["service"] != bodies["floor"]:
            sys.exit(f"bench/cold_floor.py does not answer {path} as the service does: update it")


def measure(ports, scenarios, payloads, duration, round_number, samples):
    """One round: each scenario on each target, at 32 connections then one, order alternating."""
    for name, path, conditional in scenarios:
        header = f"If-None-Match: {payloads[path]['etag']}" if conditional else None
        order = sorted(ports.items())
        for target, port in order if round_number % 2 == 0 else order[::-1]:
            for connections in (32, 1):
                wrk(port, path, connections, 1, header)  # warm-up
                samples.setdefault((name, target, connections), []).append(wrk(port, path, connections, duration, header))


def median(runs, index):
    return statistics.median(run[index] for run in runs)


def table(samples, scenarios, target_of, p99_limit):
    """The Markdown rows of service against floor; and whether every target is met."""
    lines = [
        "| scenario | service req/s (c32) | floor req/s (c32) | ratio | target | p50 / p99 ms (c32) service | "
        "p50 / p99 ms (c32) floor | p99 ratio | p50 / p99 ms (c1) service | p50 / p99 ms (c1) floor | errors |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    verdicts = []
    for name, _, _ in scenarios:
        service, floor = samples[(name, "service", 32)], samples[(name, "floor", 32)]
        service1, floor1 = samples[(name, "service", 1)], samples[(name, "floor", 1)]
        ratio = median(service, 0) / median(floor, 0)
        p99_ratio = median(service, 2) / median(floor, 2)
        errors = sum(run[3] for run in service + service1)
        target = target_of(name)
        p99_ok = p99_limit is None or p99_ratio <= p99_limit
        verdicts.append(ratio >= target and p99_ok and errors == 0)
        lines.append(
            f"| {name} | {median(service, 0):,.0f} | {median(floor, 0):,.0f} | {ratio:.2f}x | ≥ {target:.2f}x "
            f"{'✓' if ratio >= target else '✗'} | {median(service, 1):.2f} / {median(service, 2):.2f} | "
            f"{median(floor, 1):.2f} / {median(floor, 2):.2f} | {p99_ratio:.2f}x {'✓' if p99_ok else '✗'} | "
            f"{median(service1, 1):.2f} / {median(service1, 2):.2f} | {median(floor1, 1):.2f} / {median(floor1, 2):.2f} | "
            f"{errors} |"
        )
    return lines, all(verdicts)


def embedding_ms(database_url, path, times=200):
    """The median time to embed the text a search of ``path`` embeds (its words and the labels of
    the keywords they name, api/search/semantic.py), in this process, one thread."""
    from urllib.parse import parse_qs, urlsplit

    from api import create_app
    from api.search import semantic
    from api.search.expansion import expand
    from api.search.syntax import parse_query, positive_text

    app = create_app({"DATABASE_URL": database_url, "LOG_LEVEL": "WARNING"})
    q = parse_qs(urlsplit(path).query)["q"][0]
    with app.app_context():
        text = semantic.query_text(positive_text(q), expand(parse_query(q)).expansions)
    timings = []
    for _ in range(times):
        started = time.perf_counter()
        semantic.encode([text])
        timings.append((time.perf_counter() - started) * 1e3)
    return statistics.median(timings)


def report(hot, cold, search, duration, rounds, settings, database, embedding):
    hot_lines, hot_ok = table(hot, SCENARIOS, TARGETS.get, 2.0)
    cold_lines, cold_ok = table(cold, COLD_SCENARIOS, lambda name: COLD_TARGET, None)
    page_p50 = median(cold[("trends list", "service", 1)], 1)
    search_p50 = median(search[(COLD_SEARCH[0], "service", 1)], 1)
    search_runs = search[(COLD_SEARCH[0], "service", 32)]
    search_ok = search_p50 <= SEARCH_TO_PAGE * page_p50 + embedding
    versions = ", ".join(f"{name} {metadata.version(name)}" for name in ("flask", "flask-smorest", "peewee", "granian"))
    engine = "PostgreSQL" if database.startswith("postgres") else "SQLite"
    text = "\n".join(
        [
            "# Benchmark results",
            "",
            f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `make bench` on {platform.node()}: {os.cpu_count()} cores, "
            f"{platform.platform()}, Python {platform.python_version()}; {versions}; wrk 4.1.",
            f"Database: {engine}. api/server.py (granian, {settings['WEB_CONCURRENCY']} workers x {settings['THREADS']} "
            f"threads) for the service and its floors alike. {rounds} interleaved rounds of {duration} s per figure, medians "
            "shown. Targets: ratios to the floor in the same run.",
            "",
            "## Hot: answers kept in memory",
            "",
            "Against bench/floor.py, a bare Flask app answering the same bytes. p99 at c32 at most 2x the floor's.",
            "",
            *hot_lines,
            "",
            "## Cold: every answer built",
            "",
            "The service with `RESPONSE_CACHE_MB=0`, against bench/cold_floor.py: the same bytes built from the same database "
            "with hand-written SQL and `json.dumps`, connections handled as the service handles its own (an SQLite "
            "file opened per request, PostgreSQL connections kept).",
            "",
            *cold_lines,
            "",
            f"Cold search (`{COLD_SEARCH[1]}`): {median(search_runs, 0):,.0f} req/s at c32 (p50 / p99 "
            f"{median(search_runs, 1):.2f} / {median(search_runs, 2):.2f} ms); one client p50 {search_p50:.2f} ms, "
            f"{search_p50 / page_p50:.1f}x a cold trends page's {page_p50:.2f} ms; the query's embedding takes "
            f"{embedding:.2f} ms (target: at most {SEARCH_TO_PAGE:g}x the page plus the embedding, "
            f"{SEARCH_TO_PAGE * page_p50 + embedding:.2f} ms {'✓' if search_ok else '✗'}).",
            "",
        ]
    )
    print(text)
    target = ROOT / "bench" / ("RESULTS.md" if engine == "SQLite" else "RESULTS-postgresql.md")
    kept = ""  # sections other benchmarks write into the file (bench/servers.py)
    if target.exists() and SECTIONS in (old := target.read_text(encoding="utf-8")):
        kept = "\n" + old[old.index(SECTIONS) :]
    target.write_text(text + kept, encoding="utf-8")
    print("all targets met" if hot_ok and cold_ok and search_ok else "some targets missed")


if __name__ == "__main__":
    main()
