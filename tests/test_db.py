"""The database module: URLs, engines, JSON fields, the guard against a database that hangs."""

import contextvars
import threading
import time

import pytest

from api.db import STUCK_AFTER, DatabaseDown, DatabaseTimeout, Guard, db, guarded, is_postgres, make_database
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


class FakeDatabase:
    """What the guard uses of a Peewee database: a connection per thread, opened on demand."""

    def __init__(self):
        self.local = threading.local()

    def is_closed(self):
        return getattr(self.local, "connection", None) is None

    def connect(self):
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


def test_a_late_statement_is_cut_and_the_database_tried_again_after_a_pause(in_request):
    cut = threading.Event()
    guard = Guard(slots=2, timeout=0.3, interrupt=lambda connection: cut.set())
    database = FakeDatabase()

    def hangs_until_cut():
        assert cut.wait(5), "the watchdog cut it"
        raise OSError("connection cut")

    thread, result = in_thread(run_statement, guard, database, hangs_until_cut)
    thread.join()
    error, seconds = result["value"]
    assert isinstance(error, DatabaseTimeout) and 0.3 <= seconds < 0.6
    error, seconds = run_statement(guard, database, lambda: None)
    assert isinstance(error, DatabaseDown) and seconds < 0.05  # not even tried
    guard.down_until = 0  # as when RETRY_EVERY has passed
    assert run_statement(guard, database, lambda: None)[0] is None


def test_a_statement_that_finds_every_slot_stuck_fails_after_stuck_after(in_request):
    guard = Guard(slots=1, timeout=5, interrupt=lambda connection: None)
    release = threading.Event()
    holder, _ = in_thread(run_statement, guard, FakeDatabase(), lambda: release.wait(5))
    time.sleep(0.1)
    error, seconds = run_statement(guard, FakeDatabase(), lambda: None)
    assert isinstance(error, DatabaseTimeout) and STUCK_AFTER - 0.15 <= seconds < STUCK_AFTER + 0.1
    release.set()
    holder.join()


def test_a_slot_freed_in_time_is_taken(in_request):
    guard = Guard(slots=1, timeout=5, interrupt=lambda connection: None)
    holder, _ = in_thread(run_statement, guard, FakeDatabase(), lambda: time.sleep(0.2))
    time.sleep(0.05)
    error, seconds = run_statement(guard, FakeDatabase(), lambda: None)
    holder.join()
    assert error is None and 0.1 <= seconds < STUCK_AFTER


def test_outside_a_request_statements_are_not_bounded():
    guard = Guard(slots=1, timeout=0.1, interrupt=lambda connection: pytest.fail("nothing is cut"))
    assert run_statement(guard, FakeDatabase(), lambda: time.sleep(0.3))[0] is None
