"""Rate limits per client, on the ``limits`` library: counters in memory, or in Redis when several
workers or instances must share them.

One budget per client address for every limited route; the request path (api/pipeline.py)
decides which requests are limited (not the probes, metrics, documentation, preflights, nor a
``304``). The keys are this module's own (``tendances/<limit>/<client>``, under the storage's
prefix), so nothing depends on another library's layout.

If the shared storage does not answer within ``STORAGE_TIMEOUT``, the limiter counts in this
worker's memory for ``FALLBACK_SECONDS`` and then tries the storage again: a Redis outage never
fails a request, and slows by at most ``STORAGE_TIMEOUT`` the requests that find it out (the
log says so once per fallback).
"""

import logging
import math
import threading
import time
from dataclasses import dataclass

from limits import parse_many
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import FixedWindowRateLimiter, MovingWindowRateLimiter, SlidingWindowCounterRateLimiter

STRATEGIES = {
    "fixed-window": FixedWindowRateLimiter,
    "moving-window": MovingWindowRateLimiter,
    "sliding-window-counter": SlidingWindowCounterRateLimiter,
}
NAMESPACE = "tendances"
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


class RateLimiter:
    """Counts each client's requests against ``limits`` (e.g. ``600/minute;20000/day``)."""

    def __init__(self, limits, storage_url="memory://", strategy="fixed-window"):
        self.items = parse_many(limits)
        options = {}
        if storage_url != "memory://":
            options = {"socket_timeout": STORAGE_TIMEOUT, "socket_connect_timeout": STORAGE_TIMEOUT}
        self.shared = STRATEGIES[strategy](storage_from_string(storage_url, wrap_exceptions=True, **options))
        self.local = self.shared if storage_url == "memory://" else STRATEGIES[strategy](MemoryStorage())
        self.fallback_until = 0.0
        self.lock = threading.Lock()

    def hit(self, client):
        """Count one request of ``client``; a :class:`Decision` on the tightest of the limits."""
        limiter = self.local if time.monotonic() < self.fallback_until else self.shared
        try:
            return self.count(limiter, client)
        except Exception as error:  # the shared storage is away: count here for a while
            with self.lock:
                if time.monotonic() >= self.fallback_until:
                    log.warning("rate-limit storage unavailable (%s); counting in memory for %g s", error, FALLBACK_SECONDS)
                self.fallback_until = time.monotonic() + FALLBACK_SECONDS
            return self.count(self.local, client)

    def count(self, limiter, client):
        allowed = True
        tightest = None
        for item in self.items:
            allowed = limiter.hit(item, NAMESPACE, client) and allowed
            reset, remaining = limiter.get_window_stats(item, NAMESPACE, client)
            if tightest is None or remaining < tightest[2]:
                tightest = (item.amount, reset, remaining)
        amount, reset, remaining = tightest
        return Decision(allowed, amount, max(0, remaining), reset)
