"""API keys: optional credentials that give a partner a rate limit of its own, and count its use.

Anonymous use goes on as before, limited per client address. A request that sends a key, as
``Authorization: Bearer <key>`` or ``X-API-Key: <key>``, is counted by key against the key's own
limit; a key that is malformed, unknown, revoked or expired is a ``401`` problem with
``WWW-Authenticate`` (RFC 6750), never an anonymous request. The request path checks it before
anything may answer (api/pipeline.py, step 5).

A key is ``tdk_`` and 40 random URL-safe characters (240 bits), made by ``flask keys create``
(api/cli.py) and shown once. The database keeps its SHA-256 digest (a key that random needs no
slow hash: nothing can be guessed back from the digest) and its first 12 characters, to tell
keys apart in lists and refusals. No log line, metric or answer holds a whole key.

Each worker remembers what it found for a digest for ``LOOKUP_SECONDS`` (so a revoked key is
refused within that delay), for ``MAX_LOOKUPS`` digests at most, unknown ones too: the same
wrong key sent again costs no query, and each refusal spends the client address's budget. A
database that does not answer leaves a key as last found (a 503 only for a key never found).

Usage (requests per key and day, UTC) is counted where the rate limits live, so that it
outlives a restart and every worker adds to the same count: in Redis when
``RATE_LIMIT_STORAGE_URL`` names one (:class:`RedisUsage`), in the database otherwise
(:class:`DatabaseUsage`). Every request a key is accepted for counts, ``304`` and ``429`` too.
"""

import hashlib
import logging
import re
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from limits import parse_many
from peewee import EXCLUDED, IntegrityError, fn

from .models import ApiKey, ApiKeyUsage
from .problems import DATABASE_ERRORS
from .threads import leave_stop_signals_to_main_thread

KEY_PREFIX = "tdk_"
KEY_PATTERN = re.compile(r"tdk_[A-Za-z0-9_-]{40}")
SHOWN = 12  # characters of a key kept and shown: "tdk_" and 8 more
NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
REALM = "tendances"
LOOKUP_SECONDS = 5.0
MAX_LOOKUPS = 10_000
USAGE_DAYS = 30  # days of usage /v1/me shows
FLUSH_SECONDS = 5.0  # how often a worker writes the usage it counted to the database
STOP_POLL = 0.1  # seconds between two looks, by the usage writer, at whether its process is stopping
REDIS_USAGE_DAYS = 400  # days Redis keeps a day's count (a year of `flask keys list`, and some)
UNAVAILABLE_SECONDS = 5.0  # Redis away: usage is not counted for this long, said once
log = logging.getLogger("api.keys")


def new_key():
    """A new key: ``tdk_`` and 40 random URL-safe characters."""
    return KEY_PREFIX + secrets.token_urlsafe(30)


def digest(key):
    return hashlib.sha256(key.encode()).hexdigest()


def utc_now():
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)  # naive UTC, as stored


def as_date(value):
    """A date column's value as a date (SQLite gives text, PostgreSQL a date)."""
    return value if isinstance(value, date) or value is None else date.fromisoformat(str(value)[:10])


def as_datetime(value):
    """A time column's value as a naive UTC datetime (SQLite gives text)."""
    return value if isinstance(value, datetime) or value is None else datetime.fromisoformat(str(value))


class Refused(Exception):
    """Credentials that cannot be accepted: a ``401`` problem, with :meth:`challenge` as its
    ``WWW-Authenticate``. ``error`` is RFC 6750's code (None when no key was presented)."""

    def __init__(self, detail, error="invalid_token"):
        super().__init__(detail)
        self.detail, self.error = detail, error

    def challenge(self):
        if self.error is None:
            return f'Bearer realm="{REALM}"'
        return f'Bearer realm="{REALM}", error="{self.error}", error_description="{self.detail}"'


@dataclass(frozen=True)
class Key:
    """A known key, as a request is checked against it."""

    id: int
    digest: str
    name: str
    prefix: str
    rate_limit: str
    created: datetime
    expires: date | None
    revoked: bool
    limits: tuple  # rate_limit, parsed

    @classmethod
    def from_row(cls, row):
        key_id, key_digest, name, prefix, rate_limit, created, expires, revoked = row
        created, expires, limits = as_datetime(created), as_date(expires), tuple(parse_many(rate_limit))
        return cls(key_id, key_digest, name, prefix, rate_limit, created, expires, revoked is not None, limits)


def presented(environ):
    """The key a request sends, or None if it sends none.

    :raises Refused: credentials that are not a key of this service, or two different keys
    """
    authorization = environ.get("HTTP_AUTHORIZATION")
    header_key = environ.get("HTTP_X_API_KEY")
    bearer = None
    if authorization is not None:
        scheme, _, credentials = authorization.strip().partition(" ")
        if scheme.lower() != "bearer":
            raise Refused("Send an API key as Authorization: Bearer <key> or X-API-Key: <key>.", error=None)
        bearer = credentials.strip()
    if header_key is not None:
        header_key = header_key.strip()
        if bearer is not None and bearer != header_key:
            raise Refused("Authorization and X-API-Key hold two different keys: send one.", error="invalid_request")
    key = bearer if bearer is not None else header_key
    if key is not None and not KEY_PATTERN.fullmatch(key):
        raise Refused("This is not an API key of this service (tdk_ and 40 letters, digits, - or _).")
    return key


class Keys:
    """The keys known to the database, as one worker checks requests against them."""

    SQL = "SELECT id, digest, name, prefix, rate_limit, created, expires, revoked FROM api_key WHERE digest = ?"

    def __init__(self, database, clock=time.monotonic, today=lambda: utc_now().date()):
        self.database, self.clock, self.today = database, clock, today
        self.found = {}  # digest -> (Key or None, when looked up)

    def identify(self, environ):
        """The :class:`Key` a request sends, or None if it sends none.

        :raises Refused: a key this service does not accept
        """
        key = presented(environ)
        if key is None:
            return None
        known = self.lookup(digest(key))
        shown = f"{key[:SHOWN]}..."  # WWW-Authenticate's error_description is ASCII
        if known is None:
            raise Refused(f"The key {shown} is not known here.")
        if known.revoked:
            raise Refused(f"The key {shown} was revoked.")
        if known.expires is not None and known.expires < self.today():
            raise Refused(f"The key {shown} expired at the end of {known.expires.isoformat()}.")
        return known

    def lookup(self, key_digest):
        now = self.clock()
        found = self.found.get(key_digest)
        if found is not None and now - found[1] < LOOKUP_SECONDS:
            return found[0]
        try:
            row = self.database.execute_sql(self.SQL.replace("?", self.database.param), (key_digest,)).fetchone()
        except DATABASE_ERRORS:
            if found is None:
                raise
            return found[0]  # the database is away: as last found, until it answers again
        finally:
            self.database.release()
        known = None if row is None else Key.from_row(row)
        if len(self.found) >= MAX_LOOKUPS:  # keys in use come back at their next request
            self.found.clear()
        self.found[key_digest] = (known, now)
        return known


def tag(key):
    """What names a key (a :class:`Key` or an :class:`~api.models.ApiKey`) in Redis and in the
    rate limits' counters: its digest's start. Ids are only unique within one database, and
    two deployments (staging, production) may share a Redis."""
    return key.digest[:16]


class DatabaseUsage:
    """Usage counted in this worker's memory, added to the ``api_key_usage`` table (and each
    key's ``last_used``) every ``FLUSH_SECONDS`` by a thread started with the first count, and
    as the worker stops. A database that is away keeps the counts for the next write."""

    def __init__(self, database):
        self.database = database
        self.pending = {}  # (key id, day) -> requests not written yet
        self.last = {}  # key id -> time of its last request
        self.lock = threading.Lock()
        self.writer = None

    def count(self, key, when):
        with self.lock:
            slot = (key.id, when.date())
            self.pending[slot] = self.pending.get(slot, 0) + 1
            self.last[key.id] = when
            if self.writer is None:
                # not a daemon, said so: it would be one by inheritance, started from granian's threads
                self.writer = threading.Thread(target=self.write_every, name="usage-writer", daemon=False)
                self.writer.start()

    def write_every(self):
        """Write the counts every ``FLUSH_SECONDS``, and a last time once the main thread has
        ended: the process is stopping, and Python waits for this thread (not a daemon) before
        it exits. ``atexit`` would not do: granian's workers are multiprocessing's children,
        which leave without running it. With nothing left to write, the thread ends (the next
        count starts another)."""
        leave_stop_signals_to_main_thread()
        main = threading.main_thread()
        while True:
            due = time.monotonic() + FLUSH_SECONDS
            while main.is_alive() and time.monotonic() < due:
                time.sleep(STOP_POLL)
            self.flush()
            with self.lock:
                if not self.pending or not main.is_alive():
                    self.writer = None
                    return

    def flush(self):
        """Write the counts not written yet."""
        with self.lock:
            pending, last, self.pending, self.last = self.pending, self.last, {}, {}
        if not pending:
            return
        try:
            with self.database.atomic():
                for (key_id, day), requests in pending.items():
                    insert = ApiKeyUsage.insert(key=key_id, day=day, requests=requests)
                    self.database.execute(
                        insert.on_conflict(
                            conflict_target=[ApiKeyUsage.key, ApiKeyUsage.day],
                            update={ApiKeyUsage.requests: ApiKeyUsage.requests + EXCLUDED.requests},
                        )
                    )
                for key_id, when in last.items():
                    later = ApiKey.last_used.is_null() | (ApiKey.last_used < when)
                    self.database.execute(ApiKey.update(last_used=when).where((ApiKey.id == key_id) & later))
        except IntegrityError as error:  # a key gone from the database: its counts with it
            log.warning("usage of API keys not written, dropped: %s", error)
        except DATABASE_ERRORS as error:
            log.warning("usage of API keys not written, kept for the next write: %s", error)
            with self.lock:
                for slot, requests in pending.items():
                    self.pending[slot] = self.pending.get(slot, 0) + requests
                for key_id, when in last.items():
                    self.last[key_id] = max(when, self.last.get(key_id, when))
        finally:  # closed, not kept: a PostgreSQL connection held between writes seconds apart is a slot lost
            if not self.database.is_closed():
                self.database.close()

    def days(self, key, today, count=USAGE_DAYS):
        """``[(day, requests)]`` for the ``count`` days up to ``today``, oldest first (this worker's
        counts not written yet included; other workers' show once written)."""
        first = today - timedelta(days=count - 1)
        query = ApiKeyUsage.select(ApiKeyUsage.day, ApiKeyUsage.requests).where(
            (ApiKeyUsage.key == key.id) & (ApiKeyUsage.day >= first)
        )
        requests = {as_date(day): number for day, number in query.tuples()}
        with self.lock:
            for (pending_key, day), number in self.pending.items():
                if pending_key == key.id:
                    requests[day] = requests.get(day, 0) + number
        return [(day, requests.get(day, 0)) for day in (first + timedelta(days=n) for n in range(count))]

    def last_used(self, keys):
        """``{key id: when it was last used, or None}`` for :class:`~api.models.ApiKey` rows."""
        with self.lock:
            return {key.id: self.last.get(key.id, key.last_used) for key in keys}


class RedisUsage:
    """Usage counted in Redis, beside the rate limits: a counter per key and day that Redis
    drops after ``REDIS_USAGE_DAYS``, and each key's last request. Redis away: requests are not
    counted for ``UNAVAILABLE_SECONDS`` (the log says so once), and never fail for it."""

    def __init__(self, storage):
        self.storage = storage  # the rate limits' (limits' RedisStorage): its connection
        self.unavailable_until = 0.0

    def name(self, key, what):
        return f"tendances:usage:{tag(key)}:{what}"

    def count(self, key, when):
        if time.monotonic() < self.unavailable_until:
            return
        day = self.name(key, when.date().isoformat())
        try:
            pipeline = self.storage.get_connection().pipeline(transaction=False)
            pipeline.incr(day).expire(day, REDIS_USAGE_DAYS * 86400)
            pipeline.set(self.name(key, "last"), when.isoformat())
            pipeline.execute()
        except Exception as error:  # redis' errors (connection, timeout): nothing counted a while
            log.warning("usage storage unavailable (%s); requests not counted for %g s", error, UNAVAILABLE_SECONDS)
            self.unavailable_until = time.monotonic() + UNAVAILABLE_SECONDS

    def days(self, key, today, count=USAGE_DAYS):
        days = [today - timedelta(days=n) for n in range(count - 1, -1, -1)]
        values = self.storage.get_connection().mget([self.name(key, day.isoformat()) for day in days])
        return [(day, int(value or 0)) for day, value in zip(days, values, strict=True)]

    def last_used(self, keys):
        keys = list(keys)
        values = self.storage.get_connection().mget([self.name(key, "last") for key in keys]) if keys else []
        return {key.id: value and datetime.fromisoformat(value.decode()) for key, value in zip(keys, values, strict=True)}


def usage_store(database, limiter_storage):
    """Where usage is counted: beside the rate limits in Redis, or in the database."""
    return RedisUsage(limiter_storage) if limiter_storage is not None else DatabaseUsage(database)


def create(name, rate_limit, expires=None, now=None):
    """Store a new key named ``name``; its text, which only this call returns.

    :raises ValueError: a name already taken, or one that is not 1 to 64 letters, digits, ``.``,
        ``_`` or ``-``; a limit ``limits`` cannot read; an expiry already past
    """
    now = now or utc_now()
    if not NAME_PATTERN.fullmatch(name):
        raise ValueError("a key's name is 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit")
    try:
        parse_many(rate_limit)
    except ValueError:
        raise ValueError(f"{rate_limit!r} is not a rate limit such as 10000/hour or 100/minute;5000/day") from None
    if expires is not None and expires < now.date():
        raise ValueError(f"{expires.isoformat()} is past")
    if ApiKey.select().where(fn.LOWER(ApiKey.name) == name.lower()).exists():
        raise ValueError(f"a key named {name!r} exists already (revoked keys keep their names)")
    key = new_key()
    ApiKey.create(name=name, prefix=key[:SHOWN], digest=digest(key), rate_limit=rate_limit, created=now, expires=expires)
    return key


def revoke(name, now=None):
    """Revoke the key named ``name``; False if it was revoked already.

    :raises LookupError: no key has this name
    """
    key = ApiKey.get_or_none(ApiKey.name == name)
    if key is None:
        raise LookupError(f"no key is named {name!r}")
    if key.revoked is not None:
        return False
    ApiKey.update(revoked=now or utc_now()).where(ApiKey.id == key.id).execute()
    return True
