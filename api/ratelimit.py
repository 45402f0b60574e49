"""Rate limits per client, on the ``limits`` library: counters in memory, or in Redis when several
workers or instances must share them.

One budget per client address for every limited route, or per API key, with the key's own
limits (api/keys.py); the request path (api/pipeline.py) decides which requests are limited
(not the probes, metrics, documentation, preflights, nor a ``304``). The keys are this module's
own (``tendances/<limit>/<client>``, the client being ``key:<digest's start>`` for an API key, under the
storage's prefix), so nothing depends on another library's layout.

If the shared storage does not answer within ``STORAGE_TIMEOUT``, the limiter counts in this
worker's memory for ``FALLBACK_SECONDS`` and then tries the storage again: a Redis outage never
fails a request, and slows by at most ``STORAGE_TIMEOUT`` the requests that find it out (the
log says so once per fallback).

In memory, fixed windows (the default strategy) are counted in a :class:`WorkerCounters` table,
a storage of ``limits``' documented kind; the other strategies keep ``limits``' ``MemoryStorage``.
"""

import logging
import math
import threading
import time
from dataclasses import dataclass

from limits import parse_many
from limits.storage import MemoryStorage, Storage, storage_from_string
from limits.strategies import FixedWindowRateLimiter, MovingWindowRateLimiter, SlidingWindowCounterRateLimiter

STRATEGIES = {
    "fixed-window": FixedWindowRateLimiter,
    "moving-window": MovingWindowRateLimiter,
    "sliding-window-counter": SlidingWindowCounterRateLimiter,
}
NAMESPACE = "tendances"
MAX_COUNTERS = 100_000  # counters a worker keeps (one a client and limit), the memory they take bounded
STORAGE_TIMEOUT = 0.25  # seconds Redis may take to connect or answer
FALLBACK_SECONDS = 5.0
log = logging.getLogger("api.ratelimit")


@dataclass(frozen=True)
class Decision:
    """One request counted: whether it may go on, and what to tell the client."""

    allowed: bool
    limit: int
    remaining: int
    reset: float  # Unix time the window resets

    def headers(self):
        headers = [
            ("X-RateLimit-Limit", str(self.limit)),
            ("X-RateLimit-Remaining", str(self.remaining)),
            ("X-RateLimit-Reset", str(math.ceil(self.reset))),
        ]
        if not self.allowed:
            headers.append(("Retry-After", str(max(0, math.ceil(self.reset - time.time())))))
        return headers


class WorkerCounters(Storage):
    """Fixed-window counters in this worker's memory, for ``limits``' ``FixedWindowRateLimiter``.

    ``limits``' ``MemoryStorage`` expires its keys on a timer thread, which it starts again
    every 10 ms while requests come: a thread started that often cost 10% to 15% of a cold
    request's throughput under load (``make bench``'s cold scenarios). Here a counter past its
    window reads as zero and is replaced when next counted. When the table is full, the ended
    windows go; if that frees less than a tenth (more live windows than the table holds), the
    windows ending soonest go too, down to nine tenths: those clients start counting again, a
    minute's limit before a day's. Each sweep so frees a tenth, for the next tenth of new clients.
    """

    STORAGE_SCHEME = None  # made here only, never from a URL

    def __init__(self, max_counters=MAX_COUNTERS, clock=time.time):
        super().__init__()
        self.max_counters, self.clock = max_counters, clock
        self.counters = {}  # key -> [count, Unix time the window ends]
        self.lock = threading.Lock()

    @property
    def base_exceptions(self):
        return ValueError

    def incr(self, key, expiry, amount=1):
        now = self.clock()
        with self.lock:
            counter = self.counters.get(key)
            if counter is None or counter[1] <= now:
                self.counters.pop(key, None)
                if len(self.counters) >= self.max_counters:
                    self.make_room(now)
                counter = self.counters[key] = [0, now + expiry]
            counter[0] += amount
            return counter[0]

    def make_room(self, now):
        live = [(key, counter) for key, counter in self.counters.items() if counter[1] > now]
        keep = self.max_counters - max(1, self.max_counters // 10)
        if len(live) > keep:
            live = sorted(live, key=lambda item: item[1][1])[len(live) - keep :]  # the latest to end
        self.counters = dict(live)

    def get(self, key):
        counter = self.counters.get(key)
        return counter[0] if counter is not None and counter[1] > self.clock() else 0

    def get_expiry(self, key):
        counter = self.counters.get(key)
        now = self.clock()
        return counter[1] if counter is not None and counter[1] > now else now

    def check(self):
        return True

    def reset(self):
        with self.lock:
            count, self.counters = len(self.counters), {}
        return count

    def clear(self, key):
        with self.lock:
            self.counters.pop(key, None)


def memory_storage(strategy):
    return WorkerCounters() if strategy == "fixed-window" else MemoryStorage()


def shared_storage(storage_url):
    """The ``limits`` storage of a Redis URL (None for ``memory://``), with this module's timeouts."""
    if storage_url == "memory://":
        return None
    options = {"socket_timeout": STORAGE_TIMEOUT, "socket_connect_timeout": STORAGE_TIMEOUT}
    return storage_from_string(storage_url, wrap_exceptions=True, **options)


class RateLimiter:
    """Counts each client's requests against ``limits`` (e.g. ``600/minute;20000/day``; None:
    anonymous clients are not limited), or against the limits of the client's API key."""

    def __init__(self, limits, storage_url="memory://", strategy="fixed-window"):
        self.items = tuple(parse_many(limits)) if limits else ()
        self.storage = shared_storage(storage_url)  # Redis, shared by every worker; None: this worker's memory
        if self.storage is None:
            self.shared = self.local = STRATEGIES[strategy](memory_storage(strategy))
        else:
            self.shared = STRATEGIES[strategy](self.storage)
            self.local = STRATEGIES[strategy](memory_storage(strategy))
        self.fallback_until = 0.0
        self.lock = threading.Lock()

    def hit(self, client, items=None):
        """Count one request of ``client`` against ``items`` (default: the anonymous limits); a
        :class:`Decision` on the tightest of them, or None when there are none."""
        items = items or self.items
        if not items:
            return None
        limiter = self.local if time.monotonic() < self.fallback_until else self.shared
        try:
            return self.count(limiter, client, items)
        except Exception as error:  # the shared storage is away: count here for a while
            with self.lock:
                if time.monotonic() >= self.fallback_until:
                    log.warning("rate-limit storage unavailable (%s); counting in memory for %g s", error, FALLBACK_SECONDS)
                self.fallback_until = time.monotonic() + FALLBACK_SECONDS
            return self.count(self.local, client, items)

    def count(self, limiter, client, items):
        allowed = True
        tightest = None
        for item in items:
            allowed = limiter.hit(item, NAMESPACE, client) and allowed
            reset, remaining = limiter.get_window_stats(item, NAMESPACE, client)
            if tightest is None or remaining < tightest[2]:
                tightest = (item.amount, reset, remaining)
        amount, reset, remaining = tightest
        return Decision(allowed, amount, max(0, remaining), reset)
