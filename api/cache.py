"""Validators and kept answers: an ETag made of the data version and the URL, and each URL's
answer kept in memory for as long as the data version holds.

The data version changes only when a seed changes the data (seed/loader.py). Each worker reads
it from the database at most once per ``DATA_VERSION_TTL`` seconds, so a ``304 Not Modified``
costs no query and no view, and a re-seed is seen within that delay. The URL is in the ETag, so
one URL's ETag never validates another's answer (a 404, a 422).

A kept answer is keyed by exactly what varies its bytes: the URL, parameters in name order.
Coding is chosen per request (the entry holds the plain bytes and, when worth it, the gzip
ones), and CORS, rate-limit and per-request headers are added per request: none of them is part
of the key. Memory is bounded: least recently used entries go past ``RESPONSE_CACHE_MB``.
"""

import hashlib
import threading
import time
from collections import OrderedDict
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

from .problems import DATABASE_ERRORS


def normalized_url(path, query):
    """The URL with its parameters in name order: one answer, one ETag, one kept entry."""
    if "&" in query:
        query = urlencode(sorted(parse_qsl(query, keep_blank_values=True), key=lambda pair: pair[0]))
    return f"{path}?{query}"


def build_id():
    """A digest of the app's code, templates and static files: a new deployment may change
    every representation."""
    digest = hashlib.sha256()
    package = Path(__file__).parent
    for path in sorted([*package.rglob("*.py"), *(package / "templates").iterdir(), *(package / "static").rglob("*")]):
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()[:8]


def make_etag(build, version, url):
    """The weak ETag (as sent, quoted) of ``url``'s answer at data ``version``."""
    digest = hashlib.blake2b(f"{build}|{url}".encode(), digest_size=6).hexdigest()
    return f'W/"{version}-{digest}"'


VERSION_KEY = "api.data_version"  # the WSGI environ's key of the data version a request is answered at


def request_version(environ, database):
    """The data version a request is answered at: as the pipeline read it for its ETag, or (a
    request that did not pass it) as the database holds it."""
    version = environ.get(VERSION_KEY)
    if version is None:
        row = database.execute_sql("SELECT value FROM metadata WHERE key = 'data_version'").fetchone()
        version = row[0] if row else "empty"
    return version


EVERY_PER_VERSION = []  # of the process, in the order made: what warm() reads


class PerVersion:
    """What ``compute()`` makes of the stored data, kept by a worker for one data version and made
    again when the version changes (search vectors, keyword names): read once, not per request."""

    def __init__(self, compute):
        self.compute = compute
        self.kept = (None, None)  # (version, value): one object, so a reader never pairs one's with the other's
        self.lock = threading.Lock()
        EVERY_PER_VERSION.append(self)

    def at(self, version):
        """The value at ``version`` (the current request's: :func:`request_version`)."""
        kept_version, value = self.kept
        if kept_version != version:
            with self.lock:
                kept_version, value = self.kept
                if kept_version != version:
                    value = self.compute()
                    self.kept = (version, value)
        return value


def warm(database):
    """Make what every :class:`PerVersion` keeps, at the version the database holds now; returns
    that version. A worker calls it as it starts (api/server.py), so that its first search does
    not read the vectors, links and names a search needs (a second's worth at 100 times the report)."""
    version = request_version({}, database)
    for kept in EVERY_PER_VERSION:
        kept.at(version)
    return version


class DataVersion:
    """The stored data's version, re-read from ``database`` at most once per ``ttl`` seconds.

    While the database fails, the last version read stays current (each request tries again):
    the answers kept at that version and their ETags stay valid, as nothing can change the data
    meanwhile. No lock: two threads finding it due at once both read it (one cheap query), and
    neither waits for the other, which matters when the database does not answer.
    """

    def __init__(self, ttl, database):
        self.ttl = ttl
        self.database = database
        self.value = None
        self.read_at = float("-inf")

    def current(self):
        """The version; raises the database's error only when none was ever read."""
        if time.monotonic() - self.read_at >= self.ttl:
            try:  # connects on the way (through the database's guard)
                row = self.database.execute_sql("SELECT value FROM metadata WHERE key = 'data_version'").fetchone()
            except DATABASE_ERRORS:
                if self.value is None:
                    raise
                return self.value
            finally:
                self.database.release()
            self.value, self.read_at = (row[0] if row else "empty"), time.monotonic()
        return self.value


class Kept:
    """One answer, as the view gave it: its status, headers and bytes (and gzip bytes)."""

    __slots__ = ("version", "status", "headers", "body", "gzipped", "cost")

    def __init__(self, version, status, headers, body, gzipped, key):
        self.version, self.status, self.headers, self.body, self.gzipped = version, status, headers, body, gzipped
        self.cost = len(body) + len(gzipped or b"") + len(key) + 512  # 512: the rest, roughly


class KeptAnswers:
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
        if entry.cost > self.max_bytes // 8:  # one answer may not evict most others
            return
        with self.lock:
            old = self.entries.pop(key, None)
            if old is not None:
                self.size -= old.cost
            self.entries[key] = entry
            self.size += entry.cost
            while self.size > self.max_bytes:
                self.size -= self.entries.popitem(last=False)[1].cost
