"""The service as its users meet it: the server, started as `make run` starts it, serving the real
corpus, spoken to over HTTP only (a generated client, a real browser)."""

import pytest

from tests.servers import Server


@pytest.fixture(scope="session")
def live_server(app, tmp_path_factory):
    """The server (two workers, production settings) on the session's seeded database, which the
    tests only read."""
    server = Server(tmp_path_factory.mktemp("live"), app.config["DATABASE_URL"]).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def live_url(live_server):
    return f"http://127.0.0.1:{live_server.port}"
