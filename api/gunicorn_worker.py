"""The service's gunicorn worker: gthread, with connections shared out evenly between workers,
and a stopping worker that closes its listening sockets at once.

gunicorn.conf.py makes it the worker class and wires the master's side (``Loads``) through its
``pre_fork`` and ``child_exit`` hooks.
"""

import ctypes
import multiprocessing
import time

from gunicorn.workers.gthread import ThreadWorker

ABSENT = 2**31 - 1  # the load of a slot no running worker holds: never the least
HELD_BACK_POLL = 0.02  # seconds between looks at the loads while another worker should accept
# A worker publishes its load at least once a second (gthread wakes at least that often); a load
# older than this belongs to a worker that is stuck, which must not hold the others back.
STALE_AFTER = 2.0


class Loads:
    """The open connections of every worker, in memory the master shares with the workers it forks.

    Each worker holds a slot, given by the master before the fork and freed when the worker exits.
    A slot holds the worker's connection count, or ``ABSENT`` while no running worker holds it,
    and when the worker last published it (``time.monotonic()``, one clock for every process).
    """

    def __init__(self, slots):
        self.counts = multiprocessing.RawArray(ctypes.c_int, [ABSENT] * slots)
        self.published = multiprocessing.RawArray(ctypes.c_double, slots)

    def assign(self, worker, workers):
        """Give ``worker`` the first slot none of ``workers`` (the live ones) holds; ``None`` when
        all are taken (more workers than slots, after TTIN signals): that worker accepts freely."""
        taken = {getattr(other, "load_slot", None) for other in workers}
        worker.loads = self
        worker.load_slot = next((slot for slot in range(len(self.counts)) if slot not in taken), None)
        self.release(worker)

    def release(self, worker):
        if worker.load_slot is not None:
            self.counts[worker.load_slot] = ABSENT

    def least_loaded(self, slot, connections, now=None):
        """Publish a worker's connection count; true when no other running worker, among those
        that published in the last ``STALE_AFTER`` seconds, has fewer."""
        now = time.monotonic() if now is None else now
        self.counts[slot], self.published[slot] = connections, now
        recent = now - STALE_AFTER
        return all(connections <= count for count, at in zip(self.counts, self.published, strict=True) if at >= recent)


class ServiceWorker(ThreadWorker):
    """gthread with two changes.

    **Even shares.** Every worker waits on the one listening socket and the first awake takes
    the connection. A keep-alive connection then stays with its worker, so a burst of connections
    (a proxy filling its pool, a benchmark's clients) could land mostly, even all, on one worker,
    which then served them on one core while the others idled: half the throughput of the default
    two workers. Here a worker listens only while no other has fewer open connections, so shares
    stay within one or two of each other. A worker held back looks again every ``HELD_BACK_POLL``
    seconds, so it takes its turn as soon as the others catch up or go away; a worker that stops
    publishing (stuck) holds nobody back after ``STALE_AFTER`` seconds.

    **Draining.** A stopping worker closes its listening sockets as soon as it stops accepting,
    instead of after its last request. The listening socket is shared by the master and every
    worker. On SIGTERM the master closes its copy, then the workers stop accepting but used to keep
    theirs open while they drained: the kernel kept completing new connections that nobody would
    accept, and reset them only at the end of the drain (up to graceful_timeout later). Closed by
    every process, the socket refuses new connections at once, while requests already accepted
    finish. A worker stopped alone (max requests, HUP) closes only its own copy.
    """

    loads = None
    load_slot = None

    def set_accept_enabled(self, enabled):
        if enabled and self.alive and self.load_slot is not None:
            enabled = self.loads.least_loaded(self.load_slot, self.nr_conns)
        super().set_accept_enabled(enabled)
        if not enabled and not self.alive:
            if self.loads is not None:
                self.loads.release(self)
            for listener in self.sockets:
                listener.close()

    def wait_for_and_dispatch_events(self, timeout):
        # gthread re-enables accepting only when its connection limit allows it after a refusal;
        # the loads change at every connection, so they are looked at before every wait.
        if self.alive and self.nr_conns < self.worker_connections:
            self.set_accept_enabled(True)
            if not self._accepting:
                timeout = min(timeout, HELD_BACK_POLL)
        super().wait_for_and_dispatch_events(timeout)
