"""Conditional GETs: an ETag made of the data version and the URL, checked before any view.

The data version changes only when a seed changes the data (see seed/loader.py). Each worker
reads it from the database at most once per ``DATA_VERSION_TTL`` seconds, so a ``304 Not
Modified`` costs no query and no view, and a re-seed is seen within that delay. The URL is in
the ETag, so one URL's ETag never validates another's answer (a 404, a 422).
"""

import hashlib
import threading
import time
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

from flask import current_app, g, request

UNCACHED_BLUEPRINTS = {"probes"}
CACHEABLE = "tendances.cacheable"  # environ: the data version of an answer worth keeping (api/edge.py)


def normalized_url(path, query):
    """The URL with its parameters in name order: one answer, one ETag, one cache entry."""
    if "&" in query:
        query = urlencode(sorted(parse_qsl(query, keep_blank_values=True), key=lambda pair: pair[0]))
    return f"{path}?{query}"


def build_id():
    """A digest of the app's code: a new deployment may change every representation."""
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).parent.rglob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:8]


class DataVersion:
    """The stored data's version, re-read from ``database`` at most once per ``ttl`` seconds."""

    def __init__(self, ttl, database):
        self.ttl = ttl
        self.database = database
        self.value = None
        self.read_at = float("-inf")
        self.lock = threading.Lock()

    def due(self):
        return time.monotonic() - self.read_at >= self.ttl

    def current(self):
        if self.due():
            with self.lock:
                if self.due():
                    self.value = self.read()
                    self.read_at = time.monotonic()
        return self.value

    def read(self):
        row = self.database.execute_sql("SELECT value FROM metadata WHERE key = 'data_version'").fetchone()
        return row[0] if row else "empty"


def is_cacheable():
    return (
        request.method in ("GET", "HEAD")
        and request.endpoint not in (None, "static")
        and request.blueprint not in UNCACHED_BLUEPRINTS
    )


def current_etag():
    """This URL's ETag at the current data version (read once per request)."""
    if "etag" not in g:
        state = current_app.extensions["caching"]
        g.data_version = state["version"].current()
        url = normalized_url(request.path, request.query_string.decode("latin-1"))
        digest = hashlib.blake2b(f"{state['build']}|{url}".encode(), digest_size=6).hexdigest()
        g.etag = f"{g.data_version}-{digest}"
    return g.etag


def not_modified():
    response = current_app.response_class(status=304)
    return add_cache_headers(response)


def answer_if_not_modified():
    """Before the view: ``304`` when the client's ETag for this URL is still current.

    ``If-None-Match: *`` waits for the view: it matches only if the resource exists.
    """
    if request.if_none_match and not request.if_none_match.star_tag and is_cacheable():
        if request.if_none_match.contains_weak(current_etag()):
            return not_modified()
    return None


def add_cache_headers(response):
    """After the view: ``ETag`` and ``Cache-Control`` on every successful cacheable GET."""
    if response.status_code in (200, 304) and is_cacheable():
        if response.status_code == 200 and request.if_none_match.star_tag:
            return not_modified()
        response.set_etag(current_etag(), weak=True)
        response.cache_control.public = True
        response.cache_control.max_age = current_app.config["CACHE_MAX_AGE"]
        if response.status_code == 200:
            request.environ[CACHEABLE] = g.data_version
    return response


def init_app(app):
    version = DataVersion(app.config["DATA_VERSION_TTL"], app.extensions["database"])
    app.extensions["caching"] = {"version": version, "build": build_id()}
    app.before_request(answer_if_not_modified)
    app.after_request(add_cache_headers)
