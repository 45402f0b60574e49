"""Conditional GETs: an ETag made of the data version, checked before any view runs.

The data version changes only when a seed changes the data (see seed/loader.py). Each worker
reads it from the database at most once per ``DATA_VERSION_TTL`` seconds, so a ``304 Not
Modified`` costs no query and no view, and a re-seed is seen within that delay.
"""
import hashlib
import threading
import time
from pathlib import Path

from flask import current_app, request

from .db import db

UNCACHED_BLUEPRINTS = {"probes"}


def build_id():
    """A digest of the app's code: a new deployment may change every representation."""
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).parent.rglob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:8]


class DataVersion:
    """The stored data's version, re-read at most once per ``ttl`` seconds."""

    def __init__(self, ttl):
        self.ttl = ttl
        self.value = None
        self.read_at = float("-inf")
        self.lock = threading.Lock()

    def current(self):
        if time.monotonic() - self.read_at >= self.ttl:
            with self.lock:
                if time.monotonic() - self.read_at >= self.ttl:
                    self.value = self.read()
                    self.read_at = time.monotonic()
        return self.value

    @staticmethod
    def read():
        row = db.execute_sql("SELECT value FROM metadata WHERE key = 'data_version'").fetchone()
        return row[0] if row else "empty"


def is_cacheable():
    return (
        request.method in ("GET", "HEAD")
        and request.endpoint not in (None, "static")
        and request.blueprint not in UNCACHED_BLUEPRINTS
    )


def current_etag():
    state = current_app.extensions["caching"]
    return f"{state['version'].current()}-{state['build']}"


def answer_if_not_modified():
    """Before the view: ``304`` when the client's ETag is still current."""
    if request.if_none_match and is_cacheable() and request.endpoint:
        etag = current_etag()
        if request.if_none_match.contains_weak(etag):
            response = current_app.response_class(status=304)
            return add_cache_headers(response, etag)
    return None


def add_cache_headers(response, etag=None):
    """After the view: ``ETag`` and ``Cache-Control`` on every successful cacheable GET."""
    if response.status_code in (200, 304) and is_cacheable() and request.endpoint:
        response.set_etag(etag or current_etag(), weak=True)
        response.cache_control.public = True
        response.cache_control.max_age = current_app.config["CACHE_MAX_AGE"]
    return response


def init_app(app):
    app.extensions["caching"] = {"version": DataVersion(app.config["DATA_VERSION_TTL"]), "build": build_id()}
    app.before_request(answer_if_not_modified)
    app.after_request(add_cache_headers)
