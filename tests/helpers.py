"""Assertions shared by the API tests."""

import contextlib
import logging

from api.problems import PROBLEM_TYPES

# The apps of the tests write their URLs under this PUBLIC_URL (tests/conftest.py build_app): the
# default, which the docs' examples show.
PUBLIC_URL = "http://127.0.0.1:8000"


def api_url(path):
    """The absolute URL the API writes for ``path`` (``/v1/trends/5``)."""
    return f"{PUBLIC_URL}{path}"


def assert_problem(response, status, detail=None):
    """The response is an RFC 9457 problem with ``status`` (and ``detail`` in its text)."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json(force=True)
    assert body["status"] == status
    kind = body["type"].removeprefix("/problems/")  # its kind's page (api/problems.py PROBLEM_TYPES)
    assert body["type"].startswith("/problems/") and PROBLEM_TYPES[kind][0] == status, body["type"]
    assert body["title"] and body["detail"] and body["instance"]
    assert "Traceback" not in response.get_data(as_text=True)
    if detail:
        assert detail in body["detail"], body["detail"]
    return body


class _QueryCounter(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.queries = []

    def emit(self, record):
        if record.name == "peewee":  # not peewee.pool's connection messages
            self.queries.append(record.getMessage())


@contextlib.contextmanager
def assert_query_count(most, least=1):
    """Between ``least`` and ``most`` SQL statements run inside the block (no N+1 queries)."""
    logger = logging.getLogger("peewee")
    counter, level = _QueryCounter(), logger.level
    logger.addHandler(counter)
    logger.setLevel(logging.DEBUG)
    try:
        yield counter.queries
    finally:
        logger.removeHandler(counter)
        logger.setLevel(level)
    assert least <= len(counter.queries) <= most, "\n".join(counter.queries)
