"""Prometheus metrics: requests and their latency by method, route and status, and process metrics.

Under the server each worker writes its samples to ``PROMETHEUS_MULTIPROC_DIR`` (made by
api/server.py, removed when it stops), and ``/metrics`` adds up every worker's, whichever worker
answers. Every label comes from a closed set: the known methods (others count as ``other``),
the app's URL rules (a path no rule matches counts as ``unmatched``) and the status codes; a
client cannot add a series.
"""

import os
import threading
import time

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client import generate_latest, multiprocess

from .threads import leave_stop_signals_to_main_thread

METHODS = frozenset({"GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE", "CONNECT", "TRACE"})
UNMATCHED = "unmatched"

if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):  # samples go there from the first metric on
    os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)

REQUESTS = Counter("http_requests_total", "HTTP requests answered.", ["method", "route", "status"])
LATENCY = Histogram(
    "http_request_duration_seconds",
    "Time to answer HTTP requests.",
    ["method", "route", "status"],
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)
# Process metrics of each worker (label pid), for multiprocess mode. A single process uses
# prometheus_client's own process collector instead, so these stay out of its registry.
MEMORY = Gauge("process_resident_memory_bytes", "Resident memory of the process.", registry=None, multiprocess_mode="liveall")
CPU = Gauge("process_cpu_seconds_total", "CPU time used by the process.", registry=None, multiprocess_mode="liveall")
OPEN_FDS = Gauge("process_open_fds", "Open file descriptors.", registry=None, multiprocess_mode="liveall")
STARTED = Gauge("process_start_time_seconds", "When the process started (Unix time).", registry=None, multiprocess_mode="liveall")
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
_sampler = {"pid": None}
_sampler_lock = threading.Lock()


def method_label(method):
    return method if method in METHODS else "other"


def sample_process():
    """Refresh this process's gauges (from /proc: Linux)."""
    try:
        with open("/proc/self/statm") as statm:
            MEMORY.set(int(statm.read().split()[1]) * PAGE_SIZE)
        OPEN_FDS.set(len(os.listdir("/proc/self/fd")))
    except OSError:
        pass
    times = os.times()
    CPU.set(times.user + times.system)


def start_sampler(interval=5.0):
    """One daemon thread per worker keeps its gauges fresh, whether or not it is scraped."""
    if _sampler["pid"] == os.getpid() or not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return
    with _sampler_lock:
        if _sampler["pid"] == os.getpid():
            return
        _sampler["pid"] = os.getpid()
    STARTED.set(time.time())

    def loop():
        leave_stop_signals_to_main_thread()
        while True:
            sample_process()
            time.sleep(interval)

    threading.Thread(target=loop, name="process-metrics", daemon=True).start()


_children = {}


def observe(method, route, status, duration):
    """Count one answer and its duration (label children kept: they cost a lock to find)."""
    labels = (method_label(method), route, str(status))
    children = _children.get(labels)
    if children is None:
        children = _children[labels] = (REQUESTS.labels(*labels), LATENCY.labels(*labels))
    children[0].inc()
    children[1].observe(duration)


def forget_dead_workers(directory):
    """Drop the live gauges of workers that have exited (their counters stay, summed)."""
    for path in os.scandir(directory):
        name = path.name
        if name.startswith("gauge_live") and name.endswith(".db"):
            try:
                pid = int(name.rsplit("_", 1)[1][:-3])
                os.kill(pid, 0)
            except ProcessLookupError:
                try:
                    multiprocess.mark_process_dead(pid, directory)
                except FileNotFoundError:  # another worker, scraped at the same time, did it
                    pass
            except (ValueError, PermissionError):  # not a worker's file, or not ours to check
                pass


def exposition():
    """``(body, content type)``: the text exposition of every worker's metrics."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        sample_process()
        forget_dead_workers(directory)
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    return generate_latest(registry), CONTENT_TYPE_LATEST
