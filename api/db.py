"""The database: one proxy bound at start-up, a JSON field, connections given back as requests
end, and a guard that keeps a sick database from holding the service's threads.

An SQLite file is opened per request (it costs microseconds). A PostgreSQL connection stays with
its thread from one request to the next, and is dropped when it can be seen lost: see
:class:`GuardedPostgresqlDatabase`.

A database that is down fails at once (connection refused, file missing). One that hangs (a
stopped server, a dropped network, a lock held) would hold each request that reaches it, and
with them every thread of a worker. So, for statements run while answering a request:

- PostgreSQL cancels a statement itself after ``DB_STATEMENT_TIMEOUT`` (``statement_timeout``),
  and that request gets a 503; a statement still waiting ``GRACE`` later is cut by a watchdog
  (a server that does not answer at all cannot cancel anything). SQLite waits that long for a
  lock, and is cut the same way;
- at most ``slots`` statements run at once in a worker (``THREADS`` - 2), so that requests that
  need no database (``/health``, ``/metrics``, kept answers, ``304``) find a thread while the
  database hangs. A statement that finds every slot taken waits for one while they move, and
  gets a 503 at once when the oldest has waited ``STUCK_AFTER`` (overload or a hang);
- one thread at a time opens a connection (Peewee opens them under one lock); the others wait for
  its outcome, at most ``DB_CONNECT_TIMEOUT``;
- a statement cut by the watchdog, or a connection that could not be opened in
  ``DB_CONNECT_TIMEOUT``, means the database does not answer: for ``RETRY_EVERY`` seconds
  statements fail at once, then the next request tries it again, so service resumes by itself.

TCP keepalives and ``tcp_user_timeout`` notice a PostgreSQL server that went away without a word.
"""

import contextlib
import json
import logging
import os
import select
import socket
import sqlite3
import threading
import time
from contextlib import contextmanager
from concurrent.futures import ThreadPoolExecutor
from contextvars import ContextVar
from pathlib import Path
from urllib.parse import quote

from flask import appcontext_pushed
from peewee import (
    EXCEPTIONS,
    SQL,
    DatabaseProxy,
    ExceptionWrapper,
    Model,
    NodeList,
    OperationalError,
    PostgresqlDatabase,
    SqliteDatabase,
    TextField,
)
from playhouse import db_url
from playhouse.migrations import Runner
from psycopg.pq import TransactionStatus

from .config import ROOT
from .threads import leave_stop_signals_to_main_thread

db = DatabaseProxy()
log = logging.getLogger("api.db")

# Set on each connection, as it opens: nothing that reads the file (which would wait for its
# lock under the lock Peewee holds while opening a connection), nothing a connection opened for
# one request would not use. The file is in WAL mode (readers keep reading while a seed writes):
# a setting stored in the file (:func:`create_sqlite_file`).
SQLITE_PRAGMAS = {"foreign_keys": 1}
# SQL functions Peewee registers on each SQLite connection it opens (one per request here), for
# its date and JSON helpers: the service's SQL uses none of them.
PEEWEE_SQLITE_FUNCTIONS = ("date_part", "date_trunc", "_pw_json_contains")
# Seconds: far beyond any statement of a healthy database (60 ms at 1000x the report), and beyond
# the stalls of a healthy server under full load: PostgreSQL stalled 0.3 to 0.57 s every minute
# or two on this project's machine, and 0.5 s turned each stall into a burst of 503s (177 in one
# 10 s `make load`). Waiters for a slot wait up to this long: so do probes, behind them.
STUCK_AFTER = 0.8
GRACE = 0.5  # seconds past the timeout before the watchdog cuts a statement (the server's own cancel first)
RETRY_EVERY = 2.0  # seconds between tries of a database that did not answer
WATCH_EVERY = 0.05  # seconds between the watchdog's looks at running statements
RESERVED_THREADS = 2  # a worker's threads beyond its slots (while it has 3 or more)

guarded = ContextVar("guarded", default=False)  # set by the request path while it answers a request
# Threads for work done beside SQLite's statements (no thread until the first): as many as the
# machine's cores, for the work is computation (a query to embed); more requests wait their turn.
BESIDE = ThreadPoolExecutor(2, thread_name_prefix="beside")
PEEWEE_ERRORS = ExceptionWrapper(EXCEPTIONS)  # a driver's errors as Peewee's execute_sql raises them


class DatabaseTimeout(OperationalError):
    """The database did not answer in time: the request gets a 503."""


class DatabaseDown(DatabaseTimeout):
    """The database did not answer a moment ago, so this statement was not even tried."""


class Guard:
    """Deadlines, a bound on concurrency and a breaker for one worker's statements (see the
    module's doc).

    One lock, and a condition per thing waited for, each woken one waiter at a time: a freed slot,
    a connection opened, a first statement for the watchdog to watch. A waiter that gives up
    passes its wake-up on, so none is lost.
    """

    def __init__(self, slots, timeout, connect_timeout, interrupt):
        self.slots, self.timeout, self.connect_timeout, self.interrupt = slots, timeout, connect_timeout, interrupt
        self.running = {}  # thread id -> [started, connection, cut by the watchdog]
        self.connecting = None  # since when a thread has been opening a connection
        self.down_until = 0.0  # the database did not answer: until then, statements fail at once
        lock = threading.Lock()
        self.slot_freed, self.connected, self.started = (threading.Condition(lock) for _ in range(3))
        self.watchdog_pid = None

    @contextmanager
    def statement(self, database):
        me = threading.get_ident()
        if not guarded.get() or me in self.running:  # outside requests, or already inside
            yield
            return
        self.enter(me)
        entry = self.running[me]
        try:
            if database.is_closed():
                self.connect(database)
            entry[1] = database.connection()
            yield
        except DatabaseTimeout:
            raise
        except Exception as error:
            if entry[2]:  # past its deadline, the watchdog cut it: the database does not answer
                raise self.trip(f"no answer within {self.timeout:g} s") from error
            raise
        finally:
            with self.slot_freed:
                del self.running[me]
                self.slot_freed.notify()

    def trip(self, reason):
        """The database does not answer: statements fail at once for ``RETRY_EVERY`` seconds,
        then the next one tries it again."""
        if time.monotonic() >= self.down_until:
            log.warning("the database is not answering (%s): statements fail at once for %g s", reason, RETRY_EVERY)
        self.down_until = time.monotonic() + RETRY_EVERY
        return DatabaseTimeout(reason)

    def check_not_down(self):
        now = time.monotonic()
        if now < self.down_until:
            raise DatabaseDown(f"it did not a moment ago; next try within {self.down_until - now:.1f} s")

    def enter(self, me):
        """Take a slot: wait for one while the statements holding them move; when the oldest has
        waited ``STUCK_AFTER`` on the database, give up at once (a 503 for this request only)."""
        with self.slot_freed:
            try:
                while True:
                    self.check_not_down()
                    if len(self.running) < self.slots:
                        break
                    waited = time.monotonic() - min(entry[0] for entry in self.running.values())
                    if waited >= STUCK_AFTER:
                        raise DatabaseTimeout(f"all {self.slots} statements of this worker have waited {waited:.1f} s or more")
                    self.slot_freed.wait(STUCK_AFTER - waited)
            except DatabaseTimeout:
                self.slot_freed.notify()  # a slot freed for this thread goes to the next one
                raise
            self.running[me] = [time.monotonic(), None, False]
            if len(self.running) == 1:
                self.started.notify()
            if self.watchdog_pid != os.getpid():  # one per process (a forked worker starts its own)
                self.watchdog_pid = os.getpid()
                threading.Thread(target=self.watch, name="database-watchdog", daemon=True).start()

    def connect(self, database):
        """Open this thread's connection, one thread at a time (as Peewee does, under its lock):
        the others wait for that one's outcome, never for a server that does not answer; a
        connection that could not be opened in ``connect_timeout`` trips the breaker."""
        with self.connected:
            try:
                while self.connecting is not None:
                    waited = time.monotonic() - self.connecting
                    if waited >= self.connect_timeout + GRACE:
                        raise DatabaseTimeout(f"no connection accepted for {waited:.1f} s")
                    self.connected.wait(self.connect_timeout + GRACE - waited)
                self.check_not_down()
            except DatabaseTimeout:
                self.connected.notify()  # the turn that woke this thread goes to the next one
                raise
            self.connecting = time.monotonic()
        try:
            database.connect()
        except Exception as error:
            waited = time.monotonic() - self.connecting
            if waited >= self.connect_timeout:  # it took the whole timeout to fail: no answer
                raise self.trip(f"no connection accepted within {waited:.1f} s") from error
            raise
        finally:
            with self.connected:
                self.connecting = None
                self.connected.notify()

    def watch(self):
        """Cut the connection of each statement past its deadline (``timeout`` + ``GRACE``: a
        server that answers cancels its own statements at ``timeout``)."""
        leave_stop_signals_to_main_thread()
        while True:
            with self.started:
                while not self.running:
                    self.started.wait()
                deadline = time.monotonic() - self.timeout - GRACE
                for entry in self.running.values():  # under the lock: the statement is still that one
                    if entry[0] <= deadline and not entry[2]:
                        entry[2] = True
                        try:
                            if entry[1] is not None:
                                self.interrupt(entry[1])
                        except Exception as error:  # already closed: the statement ends by itself
                            log.debug("could not interrupt a statement: %s", error)
            time.sleep(WATCH_EVERY)


def interrupt_sqlite(connection):
    connection.interrupt()


def interrupt_postgres(connection):
    """Cut a psycopg connection whose server does not answer: its waiting read fails at once
    (a cancel request would wait for that same server). The pool then discards it."""
    with socket.socket(fileno=os.dup(connection.pgconn.socket)) as duplicate:
        duplicate.shutdown(socket.SHUT_RDWR)


class Guarded:
    """A Peewee database whose statements pass its :class:`Guard` (set by :func:`init_app`),
    and whose connection a request gives back with :meth:`release`."""

    guard = None

    def execute_sql(self, sql, params=None):
        if self.guard is None or not guarded.get():
            return super().execute_sql(sql, params)
        self.drop_lost_connection()
        with self.guard.statement(self):
            return super().execute_sql(sql, params)

    def rows_beside(self, sql, params, work):
        """``(rows, done)``: the rows of ``sql``, and what ``work()`` returned, done while the
        database runs the statement (a query to embed while the words rank). SQLite runs it in
        this thread and leaves the interpreter's lock meanwhile: ``work`` runs on one of the
        ``BESIDE`` threads; once the interpreter is shutting down (a stopping worker finishing
        its requests), which refuses new ones, in this thread after the statement."""
        try:
            future = BESIDE.submit(work)
        except RuntimeError:  # "cannot schedule new futures after interpreter shutdown"
            return self.execute_sql(sql, params).fetchall(), work()
        try:
            rows = self.execute_sql(sql, params).fetchall()
        finally:
            done = future.result()
        return rows, done

    def drop_lost_connection(self):
        """Close this thread's connection if it can be seen lost without asking the server."""

    def release(self):
        """Give this thread's connection back at the end of a request."""
        if not self.is_closed():
            self.close()


class GuardedSqliteDatabase(Guarded, SqliteDatabase):
    """An SQLite file, opened per request: a file moved away is an error at the next request."""


class GuardedPostgresqlDatabase(Guarded, PostgresqlDatabase):
    """PostgreSQL connections, one per thread, kept from one request to the next; a thread's
    connection closes when the thread ends (granian's threads come and go with the load).

    Peewee's pool was tried first: a connection given back to it is checked with a ``SELECT 1``
    when taken again, a round trip per request under the pool's lock; and a connection a thread
    keeps stays counted by the pool after the thread has ended, until the pool is full. Here the
    next statement first looks, with a poll and no round trip, whether the server has closed the
    connection since (:meth:`drop_lost_connection`).
    """

    def drop_lost_connection(self):
        """Drop a connection the server has closed since the last statement (a restart, a
        terminated backend): it is broken, or has something to read although no statement is
        running (the server's last words, or the end of the stream). A new one opens instead."""
        if self.is_closed():
            return
        connection = self.connection()
        if connection.broken or connection.closed or readable(connection.fileno()):
            self.close()

    def rows_beside(self, sql, params, work):
        """``(rows, done)`` as :meth:`Guarded.rows_beside`, ``work`` done in this thread: the
        statement is sent in psycopg's pipeline mode, which does not wait for its rows, and they
        are read once ``work`` is done. A thread of its own beside a request's would fight it for
        the interpreter's lock between numpy's products (a cold search spent 2.7 ms on a 1.7 ms
        embedding so). Errors are Peewee's, as from :meth:`execute_sql`; the guard holds its
        slot (and its watchdog watches) until the rows are read."""
        if self.guard is not None and guarded.get():
            self.drop_lost_connection()
        with self.guard.statement(self) if self.guard is not None else contextlib.nullcontext(), PEEWEE_ERRORS:
            with self.connection().pipeline():
                cursor = self.execute_sql(sql, params)
                done = work()
                return cursor.fetchall(), done

    def release(self):
        """Keep an idle, healthy connection for this thread's next request; close a broken one,
        or one left in a transaction."""
        if self.is_closed():
            return
        connection = self.connection()
        if connection.broken or connection.closed or connection.info.transaction_status != TransactionStatus.IDLE:
            self.close()


def readable(fileno):
    """Whether a socket has something to read (or was closed), without waiting."""
    poller = select.poll()
    poller.register(fileno, select.POLLIN)
    return bool(poller.poll(0))


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


def id_list(ids):
    """Integer ids as SQL literals for ``IN (...)``: Peewee would build and bind a node per value
    (a millisecond per hundred), and SQLite caps bound values. ``int()`` keeps anything but
    integers out of the SQL."""
    return ", ".join(str(int(i)) for i in ids) or "NULL"


def in_ids(field, ids):
    """``field IN (ids)`` for a long list of integer ids (see :func:`id_list`)."""
    return NodeList((field, SQL("IN"), SQL(f"({id_list(ids)})")))


def rows(sql, params=()):
    """The rows (tuples) of hand-written SQL on the bound database; ``?`` placeholders, whatever
    the engine's own."""
    if db.param != "?":
        sql = sql.replace("?", db.param)
    return db.execute_sql(sql, params).fetchall()


def sqlite_path(url):
    """The file of a ``sqlite:///path`` URL, or None for any other URL."""
    scheme, _, rest = url.partition("://")
    return Path(rest[1:] if rest.startswith("/") else rest) if scheme.split("+")[0] == "sqlite" else None


def make_database(url, *, statement_timeout=3, connect_timeout=2, keepalive=10):
    """A Peewee database for a ``sqlite:///path`` or ``postgresql://...`` URL.

    SQLite is opened per request (it costs microseconds) in read-write mode that never
    creates the file: a file that goes away is an error (503), not a new empty database.
    PostgreSQL connections are kept, one per thread (at most ``THREADS`` a worker).

    :raises ValueError: for any other scheme
    """
    scheme, _, rest = url.partition("://")
    scheme = scheme.split("+")[0]
    if scheme == "sqlite" and rest.startswith("/"):
        uri = f"file:{quote(str(sqlite_path(url).resolve()))}?mode=rw"
        # A lock is waited for until just past the watchdog's deadline (which cannot interrupt
        # SQLite's wait for a lock), so a file held locked trips the breaker as a hung server does.
        busy = statement_timeout + GRACE + 5 * WATCH_EVERY
        # ``timeout`` is SQLite's busy timeout (sqlite3 sets it as the file opens: no PRAGMA needed).
        database = GuardedSqliteDatabase(uri, uri=True, pragmas=SQLITE_PRAGMAS, check_same_thread=False, timeout=busy)
        for name in PEEWEE_SQLITE_FUNCTIONS:
            database.unregister_function(name)
        return database
    if scheme in ("postgres", "postgresql"):
        params = db_url.parse(f"postgresql://{rest}")
        options = f"{params.pop('options', '')} -c statement_timeout={statement_timeout * 1000}".strip()
        return GuardedPostgresqlDatabase(
            params.pop("database"),
            connect_timeout=connect_timeout,
            options=options,
            keepalives=1,
            keepalives_idle=keepalive,
            keepalives_interval=2,
            keepalives_count=3,
            tcp_user_timeout=statement_timeout * 1000,  # ms sent data may stay unacknowledged
            **params,
        )
    raise ValueError(f"DATABASE_URL must start with sqlite:/// or postgresql://, not {url!r}")


def migration_runner():
    """The runner of the numbered scripts in ``migrations/`` on the bound database."""
    return Runner(db.obj, str(ROOT / "migrations"))


def without_statement_timeout(database=db):
    """Let this connection's statements run as long as they need (migrations, seeds)."""
    if is_postgres(database):
        database.execute_sql("SET statement_timeout = 0")


def create_sqlite_file(url):
    """Create an empty SQLite file (and its folder) for a ``sqlite:///`` URL, if missing, and
    put it in WAL mode (a setting the file keeps)."""
    path = sqlite_path(url)
    if path is None:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.closing(sqlite3.connect(path)) as connection:
        connection.execute("PRAGMA journal_mode = wal")


def is_postgres(database=db):
    obj = database.obj if isinstance(database, DatabaseProxy) else database
    return obj is not None and "postgres" in type(obj).__name__.lower()


def init_app(app):
    """Bind the proxy to ``DATABASE_URL``, with its guard; give each request's connection back
    when it ends.

    Peewee connects on the first query, so a request answered from memory never opens one.
    The proxy is bound again whenever the app's context is pushed, so that two apps (tests)
    can live in one process.
    """
    config = app.config
    database = make_database(
        config["DATABASE_URL"],
        statement_timeout=config["DB_STATEMENT_TIMEOUT"],
        connect_timeout=config["DB_CONNECT_TIMEOUT"],
        keepalive=config["DB_KEEPALIVE"],
    )
    slots = config["THREADS"] - RESERVED_THREADS if config["THREADS"] > RESERVED_THREADS else 1
    interrupt = interrupt_postgres if is_postgres(database) else interrupt_sqlite
    database.guard = Guard(slots, config["DB_STATEMENT_TIMEOUT"], config["DB_CONNECT_TIMEOUT"], interrupt)
    app.extensions["database"] = database
    db.initialize(database)

    def bind(sender, **kwargs):
        if db.obj is not database:
            db.initialize(database)

    appcontext_pushed.connect(bind, app, weak=False)

    @app.teardown_request
    def release_connection(exc):
        database.release()
