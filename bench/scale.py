"""make bench-scale: the service on synthetic reports 10 and 100 times the real one (1000 times
estimated: see below).

For each size: the report is generated (bench/synth.py), migrated and seeded through the normal
commands (timed), then served by the server (api/server.py) with its default settings and no response cache (so
every request does the work behind a cache miss) and measured with wrk at one connection: the
first page of the trends list, page 500 of it (or its last page when shorter), a keyword query
(two keywords, match=all) and a search (by words and by meaning). Worker memory is read from
/proc after the runs. The report's passages are counted, and the time the model takes to embed
one is measured on a sample of them (in batches, as the seed embeds them).

A seed embeds every passage of a new report: at 1000 times the real one, 429,000 of them, about
20 minutes of embedding on this machine. Sizes in SCALE_ESTIMATE are generated and their
passages counted, not seeded: the table gives the embedding time it would take, and the memory
their vectors would take in each worker.

bench/RESULTS-scale.md keeps the table. Environment: SCALE_SIZES (default "1 10 100"),
SCALE_ESTIMATE (default "1000"), SCALE_DURATION (seconds per wrk run, 5), DATABASE_URL (a
PostgreSQL URL measures PostgreSQL, one fresh schema per size).
"""

import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
import uuid
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import exports  # noqa: E402
from bench.run import BIN, ensure_wrk, free_port, start, stop, wrk  # noqa: E402
from bench.synth import generate  # noqa: E402

REAL = ROOT / "seed" / "corpus" / "tendances-2021.md"


def database_for(size, workdir):
    """A fresh database URL, a function telling its size in bytes and one removing it."""
    postgres = os.environ.get("DATABASE_URL", "")
    if not postgres.startswith("postgres"):
        path = workdir / f"scale-{size}.db"

        def remove_files():
            for file in workdir.glob(f"scale-{size}.db*"):
                file.unlink()

        return f"sqlite:///{path}", lambda: sum(p.stat().st_size for p in workdir.glob(f"scale-{size}.db*")), remove_files
    import psycopg

    schema = f"scale_{size}_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(postgres, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')

    def size_of():
        with psycopg.connect(postgres) as conn:
            return conn.execute(  # sum() of bigint is numeric: a Decimal, made an int by the cast
                "SELECT sum(pg_total_relation_size(format('%%I.%%I', schemaname, tablename)::regclass))::bigint "
                "FROM pg_tables WHERE schemaname = %s",
                (schema,),
            ).fetchone()[0]

    def drop():
        with psycopg.connect(postgres, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')

    separator = "&" if "?" in postgres else "?"
    return f"{postgres}{separator}options=-csearch_path%3D{schema}", size_of, drop


def worker_pids(master_pid):
    return subprocess.run(["pgrep", "-P", str(master_pid)], capture_output=True, text=True).stdout.split()


def worker_memory(master_pid):
    """Resident memory (MiB) of each worker of the server's main process."""
    sizes = []
    for pid in worker_pids(master_pid):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                sizes.append(int(line.split()[1]) / 1024)
    return sizes


def get_json(port, path):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}") as response:
        return json.load(response), response.headers


EMBEDDING_SAMPLE = 512  # passages timed per size
EXPORT_COPIES = 10  # the largest size's rows copied so many times over, for the exports alone


def corpus_of(size, workdir):
    corpus = REAL if size == 1 else workdir / f"synthetic-{size}x.md"
    if size != 1:
        corpus.write_text(generate(size), encoding="utf-8")
    return corpus


def passages_of(corpus):
    """The texts of the passages a seed of ``corpus`` embeds (api/search/semantic.py)."""
    from seed.loader import trend_passages
    from seed.parser import read_corpus

    return [text for trend in read_corpus(corpus).trends for _, _, text in trend_passages(trend)]


def embedding_ms(texts):
    """Milliseconds the model takes to embed a passage, over an evenly spread sample of ``texts``
    embedded one at a time, as the seed embeds them (api/search/semantic.py ``vectors_for``)."""
    from api.search import semantic

    sample = texts[:: max(1, len(texts) // EMBEDDING_SAMPLE)][:EMBEDDING_SAMPLE]
    semantic.model()  # loaded before the clock starts, as a worker loads it
    started = time.perf_counter()
    for text in sample:
        semantic.embed(text)
    return (time.perf_counter() - started) * 1e3 / len(sample)


def measure_size(size, workdir, duration, copies=1):
    """A size measured; with ``copies``, its database's rows copied that many times over, and the
    exports measured again on that (:mod:`bench.exports`)."""
    corpus = corpus_of(size, workdir)
    texts = passages_of(corpus)
    url, database_size, remove = database_for(size, workdir)
    try:
        row = measure_database(size, corpus, url, database_size, workdir, duration)
        if copies > 1:
            row["exports"] = measure_exports(size, url, workdir)
            exports.multiply(url, copies)
            row["copied"] = {"size": size * copies, "exports": measure_exports(size, url, workdir)}
    finally:
        remove()
    return {**row, "passages": len(texts), "embed_ms": embedding_ms(texts)}


def service_env(size, url, workdir):
    return {
        **os.environ,
        "FLASK_APP": "api",
        "DATABASE_URL": url,
        "RATE_LIMIT": "none",
        "RESPONSE_CACHE_MB": "0",
        "PROMETHEUS_MULTIPROC_DIR": str(workdir / f"metrics-{size}"),
    }


def measure_exports(size, url, workdir):
    """The exports, on a server of one worker started for them (bench/exports.py)."""
    port = free_port()
    env = {**service_env(size, url, workdir), "PORT": str(port), "WEB_CONCURRENCY": "1"}
    with open(workdir / f"service-{size}-exports.log", "a") as log:
        server = start([str(BIN / "python"), "-m", "api.server"], env, port, log)
        try:
            return exports.measure(port, server.pid)
        finally:
            stop(server, log.name)


def estimate_size(size, workdir, embed_ms):
    """What a seed of ``size`` would embed, and how long it would take at ``embed_ms`` a passage."""
    corpus = corpus_of(size, workdir)
    count = len(passages_of(corpus))
    corpus.unlink()
    return {"size": size, "passages": count, "embed_ms": embed_ms, "estimated": True}


def measure_database(size, corpus, url, database_size, workdir, duration):
    env = service_env(size, url, workdir)
    subprocess.run([str(BIN / "flask"), "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    started = time.perf_counter()
    subprocess.run([str(BIN / "flask"), "seed", str(corpus)], cwd=ROOT, env=env, check=True, capture_output=True)
    seed_seconds = time.perf_counter() - started
    port = free_port()
    with open(workdir / f"service-{size}.log", "w") as log:
        server = start([str(BIN / "python"), "-m", "api.server"], {**env, "PORT": str(port)}, port, log)
        try:
            _, headers = get_json(port, "/v1/trends")
            last_page = json.loads(headers["X-Pagination"])["last"]
            deep = min(500, last_page)
            top, _ = get_json(port, "/v1/keywords?sort=-trend_count&page_size=2")
            keyword_query = "/v1/trends?" + urllib.parse.urlencode([("keyword", k["slug"]) for k in top] + [("match", "all")])
            paths = {
                "list page 1": "/v1/trends",
                f"list page {deep}": f"/v1/trends?page={deep}",
                "keyword query": keyword_query,
                "search": "/v1/search?q=r%C3%A9seaux%20sociaux",
            }
            latencies = {}
            for name, path in paths.items():
                wrk(port, path, 1, 1)  # warm-up, as make bench does
                latencies[name] = wrk(port, path, 1, duration)[1:3]
            memory = worker_memory(server.pid)
            trends = headers and json.loads(headers["X-Pagination"])["total"]
        finally:
            stop(server, log.name)  # a server that does not stop by itself is said loudly
    return {
        "size": size,
        "trends": trends,
        "seed": seed_seconds,
        "db_mib": database_size() / 2**20,
        "memory": memory,
        "latencies": latencies,
        "deep": deep,
    }


def main():
    ensure_wrk()
    sizes = [int(s) for s in os.environ.get("SCALE_SIZES", "1 10 100").split()]
    estimated = [int(s) for s in os.environ.get("SCALE_ESTIMATE", "1000").split()]
    duration = int(os.environ.get("SCALE_DURATION", "5"))
    workdir = Path(tempfile.mkdtemp(prefix="tendances-scale-"))
    rows = []
    for size in sizes:
        row = measure_size(size, workdir, duration, copies=EXPORT_COPIES if size == max(sizes) else 1)
        rows.append(row)
        print(json.dumps(row), flush=True)
    measured = [row["embed_ms"] for row in rows]
    for size in estimated:
        row = estimate_size(size, workdir, max(measured) if measured else embedding_ms(passages_of(REAL)))
        rows.append(row)
        print(json.dumps(row), flush=True)
    report(rows, duration)
    shutil.rmtree(workdir, ignore_errors=True)


def report(rows, duration):
    engine = "PostgreSQL" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "SQLite"
    lines = [
        "# Scale results",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `make bench-scale` on {platform.node()}: "
        f"{os.cpu_count()} cores, Python {platform.python_version()}. Database: {engine}. Synthetic reports from "
        "bench/synth.py, seeded with `flask seed`; default server settings, no response cache (each request "
        f"does a cache miss's work); wrk at 1 connection for {duration} s per figure (p50 / p99, ms).",
        "",
        "| size | trends | passages | embedding (ms a passage) | seed (s) | database (MiB) | worker RSS (MiB) "
        "| list page 1 | deep page | keyword query | search |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in rows:
        if row.get("estimated"):
            minutes = row["passages"] * row["embed_ms"] / 60_000
            lines.append(
                f"| {row['size']}x | {row['size'] * 38:,} | {row['passages']:,} | {row['embed_ms']:.2f} | "
                f"not seeded: embedding alone ≈ {minutes:.0f} min | | vectors ≈ {row['passages'] * 2048 / 2**20:.0f} MiB "
                "more per worker | | | | |"
            )
            continue
        lat = row["latencies"]
        deep_name = f"list page {row['deep']}"
        cells = [f"{lat[name][0]:.2f} / {lat[name][1]:.2f}" for name in ("list page 1", deep_name, "keyword query", "search")]
        memory = "/".join(f"{m:.0f}" for m in row["memory"])
        lines.append(
            f"| {row['size']}x | {row['trends']:,} | {row['passages']:,} | {row['embed_ms']:.2f} | {row['seed']:.1f} | "
            f"{row['db_mib']:.1f} | {memory} | {cells[0]} | {cells[1]} (page {row['deep']}) | {cells[2]} | {cells[3]} |"
        )
    seeded = {row["size"]: row for row in rows if not row.get("estimated")}
    lines += exports_table(seeded.values())
    lines.append("")
    for size in sorted(seeded)[1:] if 1 in seeded else ():
        ratio = seeded[size]["latencies"]["search"][0] / seeded[1]["latencies"]["search"][0]
        lines.append(f"Search p50 at {size}x is {ratio:.1f}x its value at 1x (target at 100x: within 5x).")
    for row in seeded.values():
        if row["deep"] == 500:
            deep = row["latencies"]["list page 500"][0] / row["latencies"]["list page 1"][0]
            lines.append(f"At {row['size']}x, page 500 costs {deep:.2f}x page 1.")
    text = "\n".join(lines) + "\n"
    print(text)
    name = "RESULTS-scale.md" if engine == "SQLite" else "RESULTS-scale-postgresql.md"
    (ROOT / "bench" / name).write_text(text, encoding="utf-8")


def exports_table(seeded):
    """The exports at each size measured, and at the largest's rows copied (bench/exports.py)."""
    measured = []
    for row in seeded:
        if "copied" in row:
            measured.append((f"{row['size']}x", row["exports"]))
            measured.append((f"{row['copied']['size']}x (rows copied)", row["copied"]["exports"]))
    lines = [
        "",
        "Exports, on a server of one worker warmed by small ones, each read whole by one client: rows, MiB "
        "streamed, seconds, and how far the worker's resident memory rose while it streamed. Growth that stays "
        "flat as the rows grow tenfold: streamed.",
        "",
        "| size | " + " | ".join(f"`{path.rpartition('/')[2]}`" for path in exports.EXPORTS) + " |",
        "| --- |" + " ---: |" * len(exports.EXPORTS),
    ]
    for name, found in measured:
        cells = []
        for path in exports.EXPORTS:
            rows, size, seconds, growth = found[path]
            cells.append(f"{rows:,} rows, {size / 2**20:.1f} MiB, {seconds:.2f} s, memory +{growth:.1f} MiB")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return lines


if __name__ == "__main__":
    main()
