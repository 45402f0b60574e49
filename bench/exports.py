"""The exports (api/exports.py) as make bench-scale measures them: for each export, the rows and
bytes it streams, the seconds it takes to read it whole from the server, and how far the
resident memory of the worker that served it rose while it streamed; and a 1000x database made from
the largest one seeded (its trends, experts and keywords copied nine more times, slugs
suffixed: a seed of 1000x would embed passages for 20 minutes, which exports never read).

Memory that does not grow with the rows is what "streamed" means: an export that built its
answer in memory would grow by about its size."""

import threading
import time
import urllib.request
from pathlib import Path

EXPORTS = (
    "/v1/exports/trends.csv",
    "/v1/exports/trends.ndjson",
    "/v1/exports/experts.csv",
    "/v1/exports/keywords.ndjson",
)
COPIED = ("trend", "expert", "keyword")  # what the 1000x copy multiplies


def resident(master_pid):
    """``{worker pid: resident MiB}`` of the server's workers, now."""
    from bench.scale import worker_pids

    found = {}
    for pid in worker_pids(master_pid):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                found[pid] = int(line.split()[1]) / 1024
    return found


def read(port, path):
    """``(rows, bytes)`` of an export, read whole as it streams."""
    size = lines = 0
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=600) as response:
        for chunk in iter(lambda: response.read(1 << 16), b""):
            size += len(chunk)
            lines += chunk.count(b"\n")
    return lines - path.endswith(".csv"), size  # a CSV's header is no row


def measure(port, master_pid):
    """``{path: (rows, bytes, seconds, growth MiB)}`` of each export, read whole, once the worker
    has answered a small one of each (what any first request costs is not the export's), and
    has read its search data (its own thread does, as it starts). Growth: the worker's largest
    resident memory while the export streams (read every 10 ms) less what it was before."""
    for path in EXPORTS:
        read(port, f"{path}?q=zzzzzz")
    time.sleep(2)
    results = {}
    for path in EXPORTS:
        before = resident(master_pid)
        highest = dict(before)
        done = threading.Event()
        watcher = threading.Thread(target=watch, args=(master_pid, highest, done))
        watcher.start()
        started = time.perf_counter()
        try:
            rows, size = read(port, path)
        finally:
            seconds = time.perf_counter() - started
            done.set()
            watcher.join()
        growth = max((highest[pid] - before.get(pid, highest[pid]) for pid in highest), default=0.0)
        results[path] = (rows, size, seconds, growth)
    return results


def watch(master_pid, highest, done):
    """Keep in ``highest`` each worker's largest resident memory, every 10 ms until ``done``."""
    while not done.wait(0.01):
        for pid, mib in resident(master_pid).items():
            highest[pid] = max(highest.get(pid, mib), mib)


def multiply(url, factor):
    """Copy the trends, experts and keywords of the database at ``url`` until there are
    ``factor`` times as many (slugs suffixed ``-x2``..., trend numbers moved past the last)."""
    from api import create_app
    from api.db import db

    app = create_app({"DATABASE_URL": url, "RATE_LIMIT": None})
    with app.app_context(), db.atomic():
        for table in COPIED:
            columns = [c.name for c in db.get_columns(table) if c.name != "id"]
            last_id, last_number = db.execute_sql(
                f"SELECT MAX(id), {'MAX(number)' if table == 'trend' else '0'} FROM {table}"
            ).fetchone()
            for copy in range(2, factor + 1):
                values = {"slug": f"slug || '-x{copy}'", "number": f"number + {(copy - 1) * last_number}"}
                chosen = ", ".join(values.get(c, c) for c in columns)
                db.execute_sql(f"INSERT INTO {table} ({', '.join(columns)}) SELECT {chosen} FROM {table} WHERE id <= {last_id}")
        db.execute_sql(f"UPDATE metadata SET value = value || '-x{factor}' WHERE key = 'data_version'")
