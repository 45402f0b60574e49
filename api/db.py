"""The database: one proxy bound at start-up, a JSON field, and connections given back per request."""

import json
from pathlib import Path
from urllib.parse import quote

from flask import abort, appcontext_pushed
from peewee import SQL, DatabaseProxy, Model, NodeList, SqliteDatabase, TextField
from playhouse import db_url

db = DatabaseProxy()

SQLITE_PRAGMAS = {
    "journal_mode": "wal",  # readers keep reading while a seed writes
    "foreign_keys": 1,
    "busy_timeout": 5000,  # ms a writer waits for another writer before "database is locked"
    "synchronous": "normal",
    "cache_size": -16000,  # KiB
}


class BaseModel(Model):
    class Meta:
        database = db
        legacy_table_names = False


class JSONField(TextField):
    """A list or dict stored as JSON text, the same way on SQLite and PostgreSQL."""

    def db_value(self, value):
        return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)

    def python_value(self, value):
        return None if value is None else json.loads(value)


def in_ids(field, ids):
    """``field IN (ids)`` for a long list of integer ids, written as literals: Peewee would
    build and bind a node per value (a millisecond per hundred), and SQLite caps bound values.
    ``int()`` keeps anything but integers out of the SQL."""
    values = ", ".join(str(int(i)) for i in ids) or "NULL"
    return NodeList((field, SQL("IN"), SQL(f"({values})")))


def sqlite_path(url):
    """The file of a ``sqlite:///path`` URL, or None for any other URL."""
    scheme, _, rest = url.partition("://")
    return Path(rest[1:] if rest.startswith("/") else rest) if scheme.split("+")[0] == "sqlite" else None


def make_database(url):
    """A Peewee database for a ``sqlite:///path`` or ``postgresql://...`` URL.

    SQLite is opened per request (it costs microseconds) in read-write mode that never
    creates the file: a file that goes away is an error (503), not a new empty database.
    PostgreSQL connections are pooled.

    :raises ValueError: for any other scheme
    """
    scheme, _, rest = url.partition("://")
    scheme = scheme.split("+")[0]
    if scheme == "sqlite" and rest.startswith("/"):
        path = sqlite_path(url)
        uri = f"file:{quote(str(path.resolve()))}?mode=rw"
        return SqliteDatabase(uri, uri=True, pragmas=SQLITE_PRAGMAS, check_same_thread=False, timeout=5)
    if scheme in ("postgres", "postgresql"):
        return db_url.connect(f"{scheme}+pool://{rest}", max_connections=32, stale_timeout=300, connect_timeout=2)
    raise ValueError(f"DATABASE_URL must start with sqlite:/// or postgresql://, not {url!r}")


def create_sqlite_file(url):
    """Create an empty SQLite file (and its folder) for a ``sqlite:///`` URL, if missing."""
    path = sqlite_path(url)
    if path is not None and not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch()


def is_postgres(database=db):
    obj = database.obj if isinstance(database, DatabaseProxy) else database
    return obj is not None and "postgres" in type(obj).__name__.lower()


def get_or_404(query, detail):
    """The first row of ``query``, or a 404 problem saying ``detail``."""
    row = query.first()
    if row is None:
        abort(404, detail)
    return row


def init_app(app):
    """Bind the proxy to ``DATABASE_URL``; give each request's connection back when it ends.

    Peewee connects on the first query, so a request answered from cache never opens one.
    The proxy is bound again whenever the app's context is pushed, so that two apps (tests)
    can live in one process.
    """
    database = app.extensions["database"] = make_database(app.config["DATABASE_URL"])
    db.initialize(database)

    def bind(sender, **kwargs):
        if db.obj is not database:
            db.initialize(database)

    appcontext_pushed.connect(bind, app, weak=False)

    @app.teardown_request
    def close_connection(exc):
        if not db.is_closed():
            db.close()
