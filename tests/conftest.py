"""Fixtures on real parts: a real database (a SQLite file, or a PostgreSQL schema when
DATABASE_URL names a PostgreSQL server), the real corpus, the real app."""

import os
import subprocess
import uuid
import weakref
from pathlib import Path

import psycopg
import pytest

from api import create_app
from api.db import create_sqlite_file, migration_runner
from seed.cli import DEFAULT_CORPUS
from seed.concepts import with_concepts
from seed.loader import load_report
from seed.parser import read_corpus
from seed.thesaurus import read_thesaurus
from tests.helpers import PUBLIC_URL

POSTGRES_URL = os.environ.get("DATABASE_URL", "")
if not POSTGRES_URL.startswith(("postgresql://", "postgres://")):
    POSTGRES_URL = None


@pytest.fixture(scope="session")
def new_database_url(tmp_path_factory):
    """Make an empty database and return its URL: a new SQLite file or PostgreSQL schema."""
    schemas = []

    def make():
        if POSTGRES_URL is None:
            return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
        schema = f"test_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
        schemas.append(schema)
        return f"{POSTGRES_URL}{'&' if '?' in POSTGRES_URL else '?'}options=-csearch_path%3D{schema}"

    yield make
    if schemas:
        with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
            for schema in schemas:
                conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture(scope="session")
def report():
    """The real corpus, parsed once (its keywords: the cloud's terms)."""
    return read_corpus(DEFAULT_CORPUS)


@pytest.fixture(scope="session")
def seeded_report(report):
    """The real corpus as ``flask seed`` loads it: the thesaurus's concepts among its keywords."""
    return with_concepts(report, read_thesaurus())


BUILT = weakref.WeakSet()  # the apps build_app made, while they live


def build_app(url, **config):
    """The app on ``url``, migrated; rate limits off unless a test sets them (one client, many
    requests); its URLs under the default ``PUBLIC_URL`` whatever the environment's, as the docs'
    examples (tests/helpers.py ``api_url``)."""
    create_sqlite_file(url)
    settings = {"TESTING": True, "DATABASE_URL": url, "DATA_VERSION_TTL": 0, "RATE_LIMIT": None, "PUBLIC_URL": PUBLIC_URL}
    app = create_app({**settings, **config})
    with app.app_context():
        migration_runner().up()
    BUILT.add(app)
    return app


@pytest.fixture(autouse=True)
def give_connections_back():
    """Close, as each test ends, the connection each app opened in this thread: a PostgreSQL
    connection stays with its thread (api/db.py), and the apps of a session, kept alive by
    fixtures and cycles, held up to 92 of the server's 100 at once."""
    yield
    for app in list(BUILT):
        database = app.extensions["database"]
        if not database.is_closed() and not database.in_transaction():
            database.close()


@pytest.fixture(scope="session")
def app(new_database_url, seeded_report):
    """The app on a database migrated and seeded with the real corpus (read-only tests)."""
    app = build_app(new_database_url())
    with app.app_context():
        load_report(seeded_report)
    return app


@pytest.fixture
def empty_app(new_database_url):
    """The app on a new, migrated, empty database (tests that write)."""
    return build_app(new_database_url())


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture(scope="session")
def uncached_app(app):
    """The seeded database again, with no response cache: every request reaches the views."""
    return build_app(app.config["DATABASE_URL"], RESPONSE_CACHE_MB=0)


@pytest.fixture
def uncached_client(uncached_app):
    return uncached_app.test_client()


@pytest.fixture
def get_json(client):
    """GET a URL, assert 200, return the JSON body."""

    def get(url, **kwargs):
        response = client.get(url, **kwargs)
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_json()

    return get


@pytest.fixture
def runner(empty_app):
    return empty_app.test_cli_runner()


@pytest.fixture
def seeded_database_url(new_database_url, seeded_report):
    """A new database, migrated and seeded, for a test that changes or breaks it."""
    url = new_database_url()
    app = build_app(url)
    with app.app_context():
        load_report(seeded_report)
    return url


@pytest.fixture(scope="session")
def redis_url():
    """A private Redis server (.ci/redis installs Debian's package when it is missing)."""
    script = Path(__file__).resolve().parent.parent / ".ci" / "redis"
    url = subprocess.run([str(script), "start"], check=True, capture_output=True, text=True).stdout.strip()
    return url


@pytest.fixture(scope="session")
def live_server(tmp_path_factory, new_database_url, seeded_report):
    """A real server (api/server.py, default rate limit) on a database seeded with the report,
    for tests that use the service as outside clients do."""
    from tests.servers import Server

    url = new_database_url()
    with build_app(url).app_context():
        load_report(seeded_report)
    server = Server(tmp_path_factory.mktemp("live"), url, RATE_LIMIT="600/minute").start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def live_base(live_server):
    """The base URL of :func:`live_server`."""
    return f"http://127.0.0.1:{live_server.port}"
