"""The database module: URLs, engines, JSON fields, the guard against a database that hangs."""

import contextvars
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import peewee
import psycopg
import pytest
from psycopg.pq import TransactionStatus

from api.db import (
    GRACE,
    STUCK_AFTER,
    DatabaseDown,
    DatabaseTimeout,
    Guard,
    db,
    guarded,
    interrupt_postgres,
    is_postgres,
    make_database,
)
from api.models import Trend
from tests.conftest import POSTGRES_URL


def test_suite_runs_on_the_engine_database_url_names(app):
    with app.app_context():
        assert is_postgres() == (POSTGRES_URL is not None)


@pytest.mark.parametrize("url", ["mysql://x@y/z", "sqlite:/relative", "http://example.com"])
def test_unsupported_database_urls_are_refused(url):
    with pytest.raises(ValueError, match="DATABASE_URL"):
        make_database(url)


def test_json_fields_round_trip_unicode(app):
    with app.app_context():
        trend = Trend.get(Trend.number == 5)
        assert trend.footnotes[1]["urls"] == ["https://www.marconomy.de"]
        raw = db.execute_sql("SELECT footnotes FROM trend WHERE number = 5").fetchone()[0]
        assert "« TikTok" in raw  # stored readable, not \\u-escaped


@pytest.mark.skipif(POSTGRES_URL is None, reason="PostgreSQL's column storage")
def test_long_texts_a_search_reads_are_stored_uncompressed(app):
    with app.app_context():
        storage = db.execute_sql(
            "SELECT attrelid::regclass::text, attname, attstorage FROM pg_attribute "
            "WHERE (attrelid, attname) IN (('trend'::regclass, 'plain_text'), ('search_offsets'::regclass, 'offsets'))"
        ).fetchall()
    assert sorted(storage) == [("search_offsets", "offsets", "e"), ("trend", "plain_text", "e")]  # EXTERNAL


class FakeDatabase:
    """What the guard uses of a Peewee database: a connection per thread, opened on demand
    (taking ``opening`` seconds)."""

    def __init__(self, opening=0.0):
        self.local, self.opening = threading.local(), opening

    def is_closed(self):
        return getattr(self.local, "connection", None) is None

    def connect(self):
        time.sleep(self.opening)
        self.local.connection = object()

    def connection(self):
        return self.local.connection


@pytest.fixture
def in_request():
    token = guarded.set(True)
    yield
    guarded.reset(token)


def run_statement(guard, database, body):
    """Run ``body`` as a statement through ``guard``: ``(error or None, seconds)``."""
    started = time.monotonic()
    try:
        with guard.statement(database):
            body()
    except DatabaseTimeout as error:
        return error, time.monotonic() - started
    return None, time.monotonic() - started


def in_thread(function, *args):
    """``function(*args)`` on a thread of its own, in this context (inside the request)."""
    result, context = {}, contextvars.copy_context()
    thread = threading.Thread(target=context.run, args=(lambda: result.setdefault("value", function(*args)),))
    thread.start()
    return thread, result


def holding_a_slot(guard, release):
    """A statement on another thread that holds a slot until ``release`` is set; returns once it holds it."""
    inside = threading.Event()
    thread, _ = in_thread(run_statement, guard, FakeDatabase(), lambda: inside.set() or release.wait(10))
    assert inside.wait(5)
    return thread


def test_a_statement_past_its_deadline_is_cut_and_the_database_tried_again_after_a_pause(in_request):
    cut = threading.Event()
    guard = Guard(slots=2, timeout=0.2, connect_timeout=2, interrupt=lambda connection: cut.set())
    database = FakeDatabase()

    def hangs_until_cut():
        assert cut.wait(5), "the watchdog cut it"
        raise OSError("connection cut")

    thread, result = in_thread(run_statement, guard, database, hangs_until_cut)
    thread.join()
    error, seconds = result["value"]
    assert isinstance(error, DatabaseTimeout) and 0.2 + GRACE <= seconds < 0.2 + GRACE + 0.5
    error, seconds = run_statement(guard, database, lambda: None)
    assert isinstance(error, DatabaseDown) and seconds < 0.1  # not even tried
    guard.down_until = 0  # as when RETRY_EVERY has passed
    assert run_statement(guard, database, lambda: None)[0] is None


def test_a_statement_the_database_refused_in_time_does_not_stop_the_others(in_request):
    guard = Guard(slots=2, timeout=5, connect_timeout=2, interrupt=lambda connection: pytest.fail("nothing to cut"))

    def canceled():
        raise OSError("canceling statement due to statement timeout")  # the server's own cancel

    with pytest.raises(OSError):
        with guard.statement(FakeDatabase()):
            canceled()
    assert run_statement(guard, FakeDatabase(), lambda: None)[0] is None


def test_a_statement_that_finds_every_slot_stuck_gives_up_alone(in_request):
    guard = Guard(slots=1, timeout=5, connect_timeout=2, interrupt=lambda connection: None)
    release = threading.Event()
    holder = holding_a_slot(guard, release)
    error, seconds = run_statement(guard, FakeDatabase(), lambda: None)
    assert isinstance(error, DatabaseTimeout) and not isinstance(error, DatabaseDown) and seconds < STUCK_AFTER + 0.3
    release.set()
    holder.join()
    assert run_statement(guard, FakeDatabase(), lambda: None)[0] is None  # no breaker: the database answered


def test_a_slot_freed_in_time_is_taken(in_request):
    guard = Guard(slots=1, timeout=5, connect_timeout=2, interrupt=lambda connection: None)
    release = threading.Event()
    holder = holding_a_slot(guard, release)
    threading.Timer(0.1, release.set).start()
    error, seconds = run_statement(guard, FakeDatabase(), lambda: None)
    holder.join()
    assert error is None and 0.05 <= seconds < STUCK_AFTER + 0.3


def test_slow_connections_are_waited_for_not_refused(in_request):
    guard = Guard(slots=6, timeout=5, connect_timeout=2, interrupt=lambda connection: None)
    database = FakeDatabase(opening=0.6)  # a distant server: more than STUCK_AFTER to connect
    runs = [in_thread(run_statement, guard, database, lambda: None) for _ in range(3)]
    for thread, _ in runs:
        thread.join()
    assert [result["value"][0] for _, result in runs] == [None] * 3
    assert guard.down_until == 0


def test_outside_a_request_statements_are_not_bounded():
    cuts = []
    guard = Guard(slots=1, timeout=0.1, connect_timeout=2, interrupt=cuts.append)

    def long_statement():
        assert not guard.running, "not counted"
        time.sleep(0.1 + GRACE + 0.2)

    assert run_statement(guard, FakeDatabase(), long_statement)[0] is None and cuts == []


def test_a_database_not_migrated_is_a_503_that_says_so(new_database_url):
    from api import create_app
    from api.db import create_sqlite_file

    url = new_database_url()
    create_sqlite_file(url)
    app = create_app({"TESTING": True, "DATABASE_URL": url, "RATE_LIMIT": None})
    response = app.test_client().get("/v1/trends")
    assert response.status_code == 503 and response.headers["Retry-After"]
    assert "has not been migrated" in response.get_json()["detail"] and "flask db upgrade" in response.get_json()["detail"]


# Work done beside a statement (a query embedded while the words rank)


def test_work_beside_a_statement_is_done_while_the_database_runs_it(app):
    seen = {}

    def work():
        seen["thread"] = threading.current_thread().name
        if is_postgres():  # the statement is running: sent before the work, its rows read after
            with psycopg.connect(POSTGRES_URL, autocommit=True) as other:
                # Looked at until seen, for most of the statement's second: on a busy machine its
                # server process may not have read it yet when the first look comes. A statement
                # sent only once the work is done is never seen.
                deadline = time.monotonic() + 0.8
                while True:
                    seen["running"] = other.execute(
                        "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE 'SELECT 42 FROM pg_sleep%'"
                    ).fetchone()[0]
                    if seen["running"] or time.monotonic() > deadline:
                        break
                    time.sleep(0.01)
        return "done"

    with app.app_context():
        sql = "SELECT 42 FROM pg_sleep(1)" if is_postgres() else "SELECT 42"
        assert db.rows_beside(sql, (), work) == ([(42,)], "done")
        if is_postgres():
            assert seen == {"thread": threading.current_thread().name, "running": 1}
            assert db.connection().info.transaction_status == TransactionStatus.IDLE  # the pipeline synced
        else:  # SQLite runs the statement in this thread, leaving the interpreter's lock: the work is on another
            assert seen["thread"].startswith("beside")


@pytest.mark.skipif(POSTGRES_URL is not None, reason="SQLite's threads beside statements")
def test_work_beside_a_statement_is_done_after_it_once_new_threads_are_refused(app, monkeypatch):
    # as when a stopping worker finishes its requests: the interpreter's shutdown refuses new futures
    refusing = ThreadPoolExecutor(1)
    refusing.shutdown()
    monkeypatch.setattr("api.db.BESIDE", refusing)
    with app.app_context():
        assert db.rows_beside("SELECT 42", (), lambda: threading.current_thread().name) == (
            [(42,)],
            threading.current_thread().name,
        )


def test_a_statement_beside_work_fails_with_peewee_errors_and_the_connection_serves_on(app):
    with app.app_context():
        with pytest.raises(peewee.DatabaseError, match="no_such_table"):
            db.rows_beside("SELECT * FROM no_such_table", (), lambda: None)
        with pytest.raises(ZeroDivisionError):  # the work's own error, after the statement's rows
            db.rows_beside("SELECT 1", (), lambda: 1 / 0)
        assert db.execute_sql("SELECT 1").fetchall() == [(1,)]


@pytest.mark.skipif(POSTGRES_URL is None, reason="PostgreSQL's pipeline, cut by the watchdog")
def test_a_statement_beside_work_that_hangs_is_cut_by_the_guard(app, in_request, monkeypatch):
    with app.app_context():
        guard = Guard(slots=2, timeout=0.2, connect_timeout=2, interrupt=interrupt_postgres)
        monkeypatch.setattr(db.obj, "guard", guard)
        started = time.monotonic()
        with pytest.raises(DatabaseTimeout):  # the server's own timeout is longer (3 s): the watchdog cuts first
            db.rows_beside("SELECT 1 FROM pg_sleep(5)", (), lambda: None)
        assert time.monotonic() - started < 0.2 + GRACE + 0.5 and not guard.running
        guard.down_until = 0  # as when RETRY_EVERY has passed: the lost connection is replaced
        assert db.execute_sql("SELECT 1").fetchall() == [(1,)]
