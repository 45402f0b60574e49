"""make bench: the service against a bare-Flask floor, same server settings, driven by wrk.

Both run under the server as `make run` runs the service (api/server.py: granian, 2 workers x 8
threads by default); the floor (bench/floor.py) answers the very bytes the service answered.
Rounds interleave the two, so both meet the same machine state; the table reports medians and
each figure's ratio to the floor, and bench/RESULTS.md keeps it (above the sections other
benchmarks write there: bench/servers.py).

Environment: BENCH_DURATION (seconds per wrk run, 5), BENCH_ROUNDS (5), DATABASE_URL (a
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
BIN = Path(sys.executable).parent
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


def stop(process):
    process.send_signal(signal.SIGTERM)
    process.wait(30)


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
    rounds = int(os.environ.get("BENCH_ROUNDS", "5"))
    workdir = Path(tempfile.mkdtemp(prefix="tendances-bench-"))
    env = {
        **os.environ,
        "FLASK_APP": "api",
        "LOG_LEVEL": "INFO",
        "RATE_LIMIT": "1000000000/minute",
        "PROMETHEUS_MULTIPROC_DIR": str(workdir / "metrics"),
    }
    prepare_database(workdir, env)
    service_port, floor_port = free_port(), free_port()
    with open(workdir / "service.log", "w") as service_log, open(workdir / "floor.log", "w") as floor_log:
        service = start([str(BIN / "python"), "-m", "api.server"], {**env, "PORT": str(service_port)}, service_port, service_log)
        payload_file, payloads = record(service_port, workdir)
        settings = subprocess.run(
            [
                str(BIN / "python"),
                "-c",
                "from api.config import from_env; s = from_env(); print(s['WEB_CONCURRENCY'], s['THREADS'])",
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        # The floor runs under the service's own server and settings: same workers, threads and
        # limits; only the application differs.
        floor = start(
            [str(BIN / "python"), "-m", "api.server", "bench.floor:app"],
            {
                **env,
                "PORT": str(floor_port),
                "FLOOR_PAYLOADS": str(payload_file),
                "PROMETHEUS_MULTIPROC_DIR": str(workdir / "floor-metrics"),
            },
            floor_port,
            floor_log,
        )
        try:
            results = measure(service_port, floor_port, payloads, duration, rounds)
        finally:
            stop(service)
            stop(floor)
    report(results, duration, rounds, settings, env["DATABASE_URL"])
    shutil.rmtree(workdir, ignore_errors=True)


def measure(service_port, floor_port, payloads, duration, rounds):
    samples = {}
    for round_number in range(rounds):
        for name, path, conditional in SCENARIOS:
            header = f"If-None-Match: {payloads[path]['etag']}" if conditional else None
            order = [("floor", floor_port), ("service", service_port)]
            for target, port in order if round_number % 2 == 0 else order[::-1]:
                for connections in (32, 1):
                    wrk(port, path, connections, 1, header)  # warm-up
                    samples.setdefault((name, target, connections), []).append(wrk(port, path, connections, duration, header))
        print(f"round {round_number + 1}/{rounds} done", flush=True)
    return samples


def median(runs, index):
    return statistics.median(run[index] for run in runs)


def report(samples, duration, rounds, settings, database):
    lines = [
        "| scenario | service req/s (c32) | floor req/s (c32) | ratio | target | p50 / p99 ms (c32) service | "
        "p50 / p99 ms (c32) floor | p99 ratio | p50 / p99 ms (c1) service | p50 / p99 ms (c1) floor | errors |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    verdicts = []
    for name, _, _ in SCENARIOS:
        service, floor = samples[(name, "service", 32)], samples[(name, "floor", 32)]
        service1, floor1 = samples[(name, "service", 1)], samples[(name, "floor", 1)]
        ratio = median(service, 0) / median(floor, 0)
        p99_ratio = median(service, 2) / median(floor, 2)
        errors = sum(run[3] for run in service + service1)
        ok = ratio >= TARGETS[name] and p99_ratio <= 2.0 and errors == 0
        verdicts.append(ok)
        lines.append(
            f"| {name} | {median(service, 0):,.0f} | {median(floor, 0):,.0f} | {ratio:.2f}x | ≥ {TARGETS[name]:.2f}x "
            f"{'✓' if ratio >= TARGETS[name] else '✗'} | {median(service, 1):.2f} / {median(service, 2):.2f} | "
            f"{median(floor, 1):.2f} / {median(floor, 2):.2f} | {p99_ratio:.2f}x {'✓' if p99_ratio <= 2 else '✗'} | "
            f"{median(service1, 1):.2f} / {median(service1, 2):.2f} | {median(floor1, 1):.2f} / {median(floor1, 2):.2f} | "
            f"{errors} |"
        )
    versions = ", ".join(f"{name} {metadata.version(name)}" for name in ("flask", "flask-smorest", "peewee", "granian"))
    engine = "PostgreSQL" if database.startswith("postgres") else "SQLite"
    header = [
        "# Benchmark results",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `make bench` on {platform.node()}: {os.cpu_count()} cores, "
        f"{platform.platform()}, Python {platform.python_version()}; {versions}; wrk 4.1.",
        f"Database: {engine}. api/server.py (granian, {settings[0]} workers x {settings[1]} threads) for both the service and "
        f"the floor (bench/floor.py: bare Flask answering the same bytes). {rounds} interleaved rounds of {duration} s "
        "per figure, medians shown. Targets: ratios to the floor in the same run; p99 at c32 at most 2x the floor's.",
        "",
    ]
    text = "\n".join(header + lines) + "\n"
    print(text)
    target = ROOT / "bench" / ("RESULTS.md" if engine == "SQLite" else "RESULTS-postgresql.md")
    kept = ""  # sections other benchmarks write into the file (bench/servers.py)
    if target.exists() and SECTIONS in (old := target.read_text(encoding="utf-8")):
        kept = "\n" + old[old.index(SECTIONS) :]
    target.write_text(text + kept, encoding="utf-8")
    print("all targets met" if all(verdicts) else "some targets missed")


if __name__ == "__main__":
    main()
