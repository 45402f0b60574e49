"""The edge: answers built once per data version, served again before Flask runs.

A WSGI middleware in front of the app. When Flask answers a cacheable GET (api/caching.py marks
it), the edge keeps the answer: its status, headers and bytes, by URL (query parameters sorted),
by whether the client takes gzip, and by Origin when CORS is restricted. The next request for
it is answered from memory, with no routing, no query and no serialisation: a ``304`` when its
``If-None-Match`` holds the ETag, else the kept bytes. It still gets what every answer gets: a
request id, the access log line, metrics, and the client's rate limit (counted in flask-limiter's
own storage, under the same key, so cached and uncached answers share one budget).

Entries belong to one data version: after a re-seed (seen within ``DATA_VERSION_TTL``) they
are stale and rebuilt. Memory is bounded: least recently used entries go past
``RESPONSE_CACHE_MB``.
"""

import threading
import time
import uuid
from collections import OrderedDict

from limits import parse_many
from werkzeug.http import parse_etags, unquote_etag

from . import metrics
from .caching import CACHEABLE, normalized_url
from .logs import REQUEST_ID, ROUTE, access_log
from .ratelimit import EXEMPT, KEY_PREFIX, SCOPE
from .security import is_utf8

# Headers that belong to one request, never replayed from a kept answer.
PER_REQUEST = {"x-request-id", "x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset", "retry-after", "date"}
NOT_IN_304 = {"content-type", "content-length", "content-encoding"}


class Entry:
    __slots__ = ("version", "status", "headers", "headers_304", "body", "etag", "route", "exempt")

    def __init__(self, version, status, headers, body, etag, route, exempt):
        self.version, self.status, self.body, self.route = version, status, body, route
        self.etag = unquote_etag(etag)[0]  # the tag, as If-None-Match headers are compared with it
        self.exempt = exempt  # from rate limits (the documentation pages)
        self.headers = [(k, v) for k, v in headers if k.lower() not in PER_REQUEST]
        self.headers_304 = [(k, v) for k, v in self.headers if k.lower() not in NOT_IN_304]


class ResponseCache:
    """An LRU of answers, bounded by the bytes they hold."""

    def __init__(self, max_bytes):
        self.max_bytes = max_bytes
        self.size = 0
        self.entries = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key):
        with self.lock:
            entry = self.entries.get(key)
            if entry is not None:
                self.entries.move_to_end(key)
            return entry

    def put(self, key, entry):
        if cost(key, entry) > self.max_bytes // 8:  # one answer may not evict most others
            return
        with self.lock:
            old = self.entries.pop(key, None)
            if old is not None:
                self.size -= cost(key, old)
            self.entries[key] = entry
            self.size += cost(key, entry)
            while self.size > self.max_bytes and self.entries:
                self.size -= cost(*self.entries.popitem(last=False))


def cost(key, entry):
    """The memory an entry is counted for: its bytes, its key, and about 512 for the rest."""
    return len(entry.body) + len(key) + 512


def cache_key(environ, vary_origin):
    """The URL with its parameters sorted, and what the answer varies on."""
    url = normalized_url(environ.get("PATH_INFO", ""), environ.get("QUERY_STRING", ""))
    gzip = "gzip" in environ.get("HTTP_ACCEPT_ENCODING", "")
    origin = environ.get("HTTP_ORIGIN", "") if vary_origin else ""
    return f"{url}|{gzip:d}|{origin}"


class Edge:
    def __init__(self, app):
        config = app.config
        self.app = app.wsgi_app
        self.version = app.extensions["caching"]["version"]
        self.database = app.extensions["database"]
        self.cache = ResponseCache(config["RESPONSE_CACHE_MB"] * 1024 * 1024)
        self.vary_origin = "*" not in config["CORS_ORIGINS"]
        self.limiter = app.extensions.get("rate_limiter")
        self.limits = parse_many(config["RATE_LIMIT"]) if config["RATE_LIMIT"] else []

    def current_version(self):
        """The data version, read by the edge's own short connection when it is due."""
        if self.version.due():
            with self.database.connection_context():
                return self.version.current()
        return self.version.value

    def __call__(self, environ, start_response):
        if environ["REQUEST_METHOD"] not in ("GET", "HEAD") or not self.cache.max_bytes:
            return self.app(environ, start_response)
        if not is_utf8(environ.get("PATH_INFO", ""), environ.get("QUERY_STRING", "").encode("latin-1")):
            return self.app(environ, start_response)  # a 400; its key would match a valid URL's
        started = time.perf_counter()
        key = cache_key(environ, self.vary_origin)
        entry = self.cache.get(key)
        if entry is not None:
            try:
                fresh = entry.version == self.current_version()
            except Exception:  # the database is away: let the app answer (503)
                fresh = False
            if fresh:
                return self.replay(entry, environ, start_response, started)
        return self.pass_through(key, environ, start_response)

    def pass_through(self, key, environ, start_response):
        """Let Flask answer, and keep the answer when it is worth keeping."""
        captured = {}

        def capture(status, headers, exc_info=None):
            captured["status"], captured["headers"] = status, headers
            return start_response(status, headers, exc_info)

        body = self.app(environ, capture)
        version = environ.get(CACHEABLE)
        if version is None or not captured.get("status", "").startswith("200"):
            return body
        try:
            chunks = b"".join(body)
        finally:
            if hasattr(body, "close"):
                body.close()
        headers = captured["headers"]
        etag = next((v for k, v in headers if k.lower() == "etag"), None)
        if etag and environ["REQUEST_METHOD"] == "GET":
            entry = Entry(version, captured["status"], headers, chunks, etag, environ.get(ROUTE, ""), environ.get(EXEMPT, False))
            self.cache.put(key, entry)
        return [chunks]

    def replay(self, entry, environ, start_response, started):
        """Answer from a kept entry: 304, 429, or the kept bytes."""
        incoming = environ.get("HTTP_X_REQUEST_ID", "")
        request_id = incoming if REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
        if_none_match = environ.get("HTTP_IF_NONE_MATCH")
        # Weak comparison (RFC 9110); "*" matches any resource that exists, as a kept answer does.
        if if_none_match and parse_etags(if_none_match).contains_weak(entry.etag):
            status, headers, body = "304 NOT MODIFIED", list(entry.headers_304), []
        else:
            limited = None if entry.exempt else self.rate_limit(environ)
            if limited is not None and limited[0]:
                return self.app(environ, start_response)  # over the limit: the app says 429
            status, headers = entry.status, list(entry.headers)
            body = [] if environ["REQUEST_METHOD"] == "HEAD" else [entry.body]
            if limited is not None:
                headers.extend(limited[1])
        headers.append(("X-Request-ID", request_id))
        start_response(status, headers)
        self.record(environ, entry.route, int(status[:3]), request_id, started, 0 if not body else len(body[0]))
        return body

    def rate_limit(self, environ):
        """``(over the limit, headers)`` after counting this request, or None when not limited."""
        if not self.limits or self.limiter is None:
            return None
        backend, client = self.limiter.limiter, environ.get("REMOTE_ADDR", "")
        args = (KEY_PREFIX, client, SCOPE)  # flask-limiter's own key for this client
        try:
            allowed = [backend.hit(item, *args) for item in self.limits]
            if not all(allowed):
                return True, []
            item = self.limits[0]
            reset, remaining = backend.get_window_stats(item, *args)
        except Exception:  # the storage is away: answer anyway, as flask-limiter does
            return None
        return False, [
            ("X-RateLimit-Limit", str(item.amount)),
            ("X-RateLimit-Remaining", str(remaining)),
            ("X-RateLimit-Reset", str(int(reset + 1))),
        ]

    @staticmethod
    def record(environ, route, status, request_id, started, size):
        duration = time.perf_counter() - started
        metrics.observe(environ["REQUEST_METHOD"], route, status, duration)
        if access_log.isEnabledFor(20):
            access_log.info(
                "request",
                extra={
                    "request_id": request_id,
                    "method": environ["REQUEST_METHOD"],
                    "route": route,
                    "path": environ.get("PATH_INFO", ""),
                    "status": status,
                    "duration_ms": round(duration * 1000, 3),
                    "client": environ.get("REMOTE_ADDR"),
                    "bytes": size,
                    "cached": True,
                },
            )
