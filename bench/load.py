"""make load: many clients for a minute against the service as deployed; zero errors required.

The server runs as `make run` runs it (api/server.py) with its default settings (2 workers x 8
threads, response cache, rate limiter) on a freshly migrated and seeded database; only the rate limit is raised,
every client being 127.0.0.1. wrk (Debian's package, installed if missing) holds the clients:
one wrk process per kind of request, each with its share of the connections, drawing every
request's URL at random from thousands (pages, sizes, sorts, keyword pairs, search queries),
so that the response cache serves some answers and the database builds the others.

Throughput and p50/p99 latency are printed overall and per kind; any answer other than 200 or
304, any connection error or timeout, any error in the server's log, or a server that does not stop
by itself on SIGTERM makes the exit status 1.

Environment: LOAD_DURATION (seconds, 60), LOAD_CLIENTS (connections, 64), DATABASE_URL (a
PostgreSQL URL loads a fresh schema on that server; default: a fresh SQLite file).
"""

import json
import math
import os
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import urllib.request
import uuid
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from api.analysis import terms  # noqa: E402
from bench.run import BIN, ensure_wrk, free_port, prepare_database, start, stop  # noqa: E402

KINDS = {"list": 16, "detail": 16, "keyword all": 8, "keyword any": 8, "search": 16}  # share of clients
URLS_PER_KIND = 20_000
TIMEOUT = "10s"  # a slower answer is counted as an error
# Percentiles each wrk reports, enough to merge their latency distributions into one.
PERCENTILES = [p / 10 for p in range(5, 1000, 5)] + [99.9, 99.95, 99.99]

LUA = r"""
local paths = {%(paths)s}
local headers = {["Accept-Encoding"] = "gzip"}
local threads = {}
bad = {}
function setup(thread) table.insert(threads, thread) end
function init(args) math.randomseed(tonumber(args[1])) end
function request() return wrk.format("GET", paths[math.random(#paths)], headers) end
function response(status)
  if status ~= 200 and status ~= 304 then bad[tostring(status)] = (bad[tostring(status)] or 0) + 1 end
end
function done(summary, latency, requests)
  local statuses = {}
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("bad")) do table.insert(statuses, string.format('"%%s": %%d', status, n)) end
  end
  local points = {}
  for _, p in ipairs({%(percentiles)s}) do table.insert(points, string.format("[%%g, %%d]", p, latency:percentile(p))) end
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests": %%d, "duration_us": %%d, "bytes": %%d, "errors": {"connect": %%d, "read": %%d, "write": %%d, ' ..
    '"timeout": %%d}, "statuses": {%%s}, "min": %%d, "max": %%d, "percentiles": [%%s]}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.timeout,
    table.concat(statuses, ", "), latency.min, latency.max, table.concat(points, ", ")))
end
"""


def get_json(port, path):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=30) as response:
        return json.load(response)


def urls_by_kind(port, rng):
    """For each kind, URLs drawn from what the seeded API holds."""
    trends = get_json(port, "/v1/trends?page_size=100")
    experts = [e["slug"] for e in get_json(port, "/v1/experts?page_size=100")]
    keywords = [k["slug"] for k in get_json(port, "/v1/keywords?page_size=100")]
    text = " ".join(f"{t['title']} {t['excerpt']}" for t in trends)
    words = sorted({w for w in re.findall(r"[^\W\d_]{4,}", text) if terms(w)})
    pairs = [f"{a} {b}" for a, b in zip(text.split(), text.split()[1:], strict=False) if terms(a) and terms(b)]
    sizes, count = range(1, 101), len(trends)

    def listing():
        resource, sort = rng.choice(
            [
                ("trends", ["number", "-number", "title", "-title"]),
                ("experts", ["name", "-name", "-trend_count"]),
                ("keywords", ["term", "-trend_count"]),
            ]  # fmt: skip
        )
        size = rng.choice(sizes)
        page = rng.randint(1, math.ceil(count / size) + 1)  # sometimes past the end: an empty page
        return f"/v1/{resource}?page={page}&page_size={size}&sort={rng.choice(sort)}"

    def detail():
        trend = rng.choice(trends)
        return rng.choice(
            [
                f"/v1/trends/{trend['number']}",
                f"/v1/trends/{trend['slug']}",
                f"/v1/trends/{trend['number']}/related",
                f"/v1/experts/{rng.choice(experts)}",
                f"/v1/keywords/{rng.choice(keywords)}",
                "/v1/editions/2021",
            ]  # fmt: skip
        )

    def keyword_all():
        a, b = rng.sample(keywords, 2)
        return f"/v1/trends?keyword={a}&keyword={b}&match=all" + rng.choice(["", f"&page_size={rng.choice(sizes)}"])

    def keyword_any():
        a, b = rng.sample(keywords, 2)
        return f"/v1/trends?keyword={a},{b}&match=any" + rng.choice(["", f"&page_size={rng.choice(sizes)}"])

    def search():
        a, b = rng.sample(words, 2)
        q = rng.choice([a, f"{a} {b}", f"{a} OR {b}", f"{a[:4]}*", f'"{rng.choice(pairs)}"'])
        path = rng.choice(["/v1/search", "/v1/search", "/v1/search", "/v1/trends"])
        extra = rng.choice(["", "", "&type=trend", "&page_size=50", "&page=2"]) if path == "/v1/search" else ""
        return f"{path}?q={quote(q)}{extra}"

    makers = {"list": listing, "detail": detail, "keyword all": keyword_all, "keyword any": keyword_any, "search": search}
    return {kind: [make() for _ in range(URLS_PER_KIND)] for kind, make in makers.items()}


def clients_by_kind(total):
    """``total`` connections shared by kind as ``KINDS`` says, at least one each."""
    weight = sum(KINDS.values())
    shares = {kind: max(1, round(total * share / weight)) for kind, share in KINDS.items()}
    shares["list"] += total - sum(shares.values())
    if min(shares.values()) < 1:
        sys.exit(f"LOAD_CLIENTS must be at least {len(KINDS)}")
    return shares


def check_sample(port, urls):
    """A few URLs of each kind answer 200 before the load: a bad URL is the script's error."""
    for kind, paths in urls.items():
        for path in paths[:20]:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=30).read()
            except OSError as error:
                sys.exit(f"{kind}: {path} fails before any load: {error}")


def run_wrk(port, urls, clients, duration, workdir):
    """Every kind's wrk at once; ``{kind: result}``."""
    processes = {}
    for number, (kind, paths) in enumerate(urls.items()):
        script = workdir / f"{kind.replace(' ', '-')}.lua"
        table = ", ".join(json.dumps(path) for path in paths)
        script.write_text(LUA % {"paths": table, "percentiles": ", ".join(f"{p:g}" for p in PERCENTILES)})
        argv = ["wrk", "-t1", f"-c{clients[kind]}", f"-d{duration}s", f"--timeout={TIMEOUT}", "-s", str(script)]
        argv += [f"http://127.0.0.1:{port}", "--", str(number + 1)]
        processes[kind] = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    results = {}
    for kind, process in processes.items():
        output = process.communicate()[0]
        line = next((line for line in output.splitlines() if line.startswith("RESULT ")), None)
        if process.returncode or line is None:
            sys.exit(f"wrk failed for {kind}:\n{output}")
        results[kind] = json.loads(line.removeprefix("RESULT "))
    return results


def quantile(results, q):
    """The latency (ms) below which a fraction ``q`` of all requests fall, the kinds' distributions
    merged (each known by its percentiles)."""

    def below(result, x):  # fraction of this kind's requests faster than x µs
        points = [(result["min"], 0.0), *((v, p / 100) for p, v in result["percentiles"]), (result["max"], 1.0)]
        for (v0, p0), (v1, p1) in zip(points, points[1:], strict=False):
            if x < v1:
                return p0 if v1 == v0 else p0 + (p1 - p0) * max(0.0, x - v0) / (v1 - v0)
        return 1.0

    total = sum(r["requests"] for r in results.values())
    low, high = min(r["min"] for r in results.values()), max(r["max"] for r in results.values())
    for _ in range(60):
        middle = (low + high) / 2
        if sum(r["requests"] * below(r, middle) for r in results.values()) < q * total:
            low = middle
        else:
            high = middle
    return high / 1000


def percentile(result, p):
    return dict(result["percentiles"])[p] / 1000


def server_problems(log_path):
    """Lines of the server's log that tell of an error (tracebacks, ERROR lines, 5xx answers)."""
    problems = []
    for line in log_path.read_text(errors="replace").splitlines():
        record = json.loads(line) if line.startswith("{") else {}
        if "Traceback" in line or record.get("level") in ("ERROR", "CRITICAL") or record.get("status", 0) >= 500:
            problems.append(line[:300])
    return problems


def cached_share(log_path):
    """The share of answers kept in memory that were replayed, from the access log."""
    lines = [json.loads(line) for line in log_path.read_text(errors="replace").splitlines() if line.startswith("{")]
    answers = [line for line in lines if line.get("logger") == "api.access"]
    return sum(1 for line in answers if line.get("kept")) / max(1, len(answers))


def fresh_database(env):
    """A fresh SQLite file, or a fresh schema on the PostgreSQL server of ``DATABASE_URL``;
    returns how to drop it."""
    url = env.get("DATABASE_URL", "")
    if not url.startswith(("postgresql://", "postgres://")):
        return lambda: None  # prepare_database makes a file in the work folder
    import psycopg

    schema = f"load_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    env["DATABASE_URL"] = f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"

    def drop():
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')

    return drop


def main():
    ensure_wrk()
    duration = int(os.environ.get("LOAD_DURATION", "60"))
    clients = clients_by_kind(int(os.environ.get("LOAD_CLIENTS", "64")))
    workdir = Path(tempfile.mkdtemp(prefix="tendances-load-"))
    port = free_port()
    env = {
        **os.environ,
        "FLASK_APP": "api",
        "PORT": str(port),
        "RATE_LIMIT": "1000000000/minute",  # every client is 127.0.0.1: the limiter counts, never refuses
        "PROMETHEUS_MULTIPROC_DIR": str(workdir / "metrics"),
    }
    drop = fresh_database(env)
    try:
        prepare_database(workdir, env)
        log_path = workdir / "server.log"
        with open(log_path, "w") as log:
            server = start([str(BIN / "python"), "-m", "api.server"], env, port, log)
            try:
                urls = urls_by_kind(port, random.Random(2021))
                check_sample(port, urls)
                engine = "PostgreSQL" if env["DATABASE_URL"].startswith("postgres") else "SQLite"
                shares = ", ".join(f"{kind}: {n}" for kind, n in clients.items())
                print(f"{sum(clients.values())} clients for {duration} s on {engine} ({shares})", flush=True)
                spent = resource.getrusage(resource.RUSAGE_CHILDREN)
                results = run_wrk(port, urls, clients, duration, workdir)
                used = resource.getrusage(resource.RUSAGE_CHILDREN)
                client_cpu = used.ru_utime + used.ru_stime - spent.ru_utime - spent.ru_stime
            finally:
                stopped = stop(server, log_path)
        ok = report(results, clients, duration, log_path)
        if not stopped:
            print("FAILED: the server did not stop by itself on SIGTERM (see the lines marked !!! above)")
            ok = False
        print(f"CPU used by the clients (wrk): {client_cpu:.1f} s in {duration} s, {client_cpu / duration:.0%} of one core")
    finally:
        drop()
    shutil.rmtree(workdir, ignore_errors=True)
    sys.exit(0 if ok else 1)


def report(results, clients, duration, log_path):
    lines = [
        "| kind | clients | requests | req/s | p50 ms | p99 ms | max ms | errors |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    failures = 0
    for kind, result in results.items():
        errors = {k: v for k, v in result["errors"].items() if v} | result["statuses"]
        failures += sum(errors.values())
        rate = result["requests"] / (result["duration_us"] / 1e6)
        lines.append(
            f"| {kind} | {clients[kind]} | {result['requests']:,} | {rate:,.0f} | {percentile(result, 50):.2f} | "
            f"{percentile(result, 99):.2f} | {result['max'] / 1000:.1f} | {json.dumps(errors) if errors else 0} |"
        )
    requests = sum(r["requests"] for r in results.values())
    rate = sum(r["requests"] / (r["duration_us"] / 1e6) for r in results.values())
    worst = max(r["max"] for r in results.values()) / 1000
    lines.append(
        f"| **all** | {sum(clients.values())} | {requests:,} | {rate:,.0f} | {quantile(results, 0.5):.2f} | "
        f"{quantile(results, 0.99):.2f} | {worst:.1f} | {failures} |"
    )
    print("\n".join(lines))
    print(f"answers replayed by the response cache: {cached_share(log_path):.0%}")
    problems = server_problems(log_path)
    for line in problems[:20]:
        print(f"server: {line}")
    if failures or problems:
        print(f"FAILED: {failures} failed requests, {len(problems)} error lines in the server's log")
        return False
    print(f"OK: {requests:,} requests in {duration} s, no error")
    return True


if __name__ == "__main__":
    main()
