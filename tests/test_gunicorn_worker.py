"""The service's gunicorn worker: even shares of connections between workers (draining on stop is
proved in test_faults.py)."""

import http.client
import os
from pathlib import Path
from types import SimpleNamespace

import pytest

from api.gunicorn_worker import ABSENT, STALE_AFTER, Loads
from tests.servers import Gunicorn


def worker(slot=None):
    return SimpleNamespace(load_slot=slot)


def test_slots_go_to_new_workers_and_come_back_when_they_exit():
    loads = Loads(slots=3)
    first, second, third, fourth = worker(), worker(), worker(), worker()
    loads.assign(first, [])
    loads.assign(second, [first])
    loads.assign(third, [first, second])
    loads.assign(fourth, [first, second, third])
    assert [first.load_slot, second.load_slot, third.load_slot, fourth.load_slot] == [0, 1, 2, None]
    assert first.loads is loads
    loads.least_loaded(1, 7)
    loads.release(second)
    assert loads.counts[1] == ABSENT
    replacement = worker()
    loads.assign(replacement, [first, third])
    assert replacement.load_slot == 1 and loads.counts[1] == ABSENT
    loads.release(fourth)  # a worker without a slot frees nothing
    assert list(loads.counts) == [ABSENT, ABSENT, ABSENT]


def test_only_the_least_loaded_workers_accept():
    loads = Loads(slots=4)
    assert loads.least_loaded(0, 5)  # alone: free slots do not count
    assert not loads.least_loaded(1, 6)
    assert loads.least_loaded(1, 5)  # ties accept, both of them
    assert loads.least_loaded(0, 5)
    assert loads.least_loaded(2, 0)
    assert not loads.least_loaded(0, 5)


def test_a_worker_that_stopped_publishing_holds_nobody_back():
    loads = Loads(slots=2)
    assert loads.least_loaded(0, 0, now=100.0)
    assert not loads.least_loaded(1, 3, now=100.0 + STALE_AFTER)
    assert loads.least_loaded(1, 3, now=100.0 + STALE_AFTER + 0.01)


def connections_by_worker(server):
    """How many established connections to the server each of its worker processes holds."""
    master = server.process.pid
    pids = [int(pid) for pid in Path(f"/proc/{master}/task/{master}/children").read_text().split()]
    established = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local_port, state, inode = int(fields[1].rsplit(":", 1)[1], 16), fields[3], fields[9]
            if local_port == server.port and state == "01":
                established.add(f"socket:[{inode}]")
    counts = {}
    for pid in pids:
        fd_dir = Path(f"/proc/{pid}/fd")
        counts[pid] = sum(1 for fd in os.listdir(fd_dir) if _link(fd_dir / fd) in established)
    return counts


def _link(path):
    try:
        return os.readlink(path)
    except OSError:
        return None


@pytest.mark.parametrize("workers", [2, 3])
def test_keep_alive_connections_are_shared_out_evenly(tmp_path, seeded_database_url, workers):
    server = Gunicorn(tmp_path, seeded_database_url, WEB_CONCURRENCY=workers, THREADS=4).start().wait_for_workers(workers)
    connections = []
    try:
        for _ in range(8 * workers):
            connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
            connection.request("GET", "/health")
            assert connection.getresponse().read()
            connections.append(connection)
        counts = connections_by_worker(server)
        assert len(counts) == workers and sum(counts.values()) == 8 * workers
        assert max(counts.values()) - min(counts.values()) <= 2, counts
        for connection in connections:  # every worker still answers on the connections it holds
            connection.request("GET", "/health")
            assert connection.getresponse().status == 200
    finally:
        for connection in connections:
            connection.close()
        assert server.stop() == 0
