"""API keys (api/keys.py): the credentials a request sends, the request path's key step, the
usage counted in the database or Redis, ``/v1/me``, the ``flask keys`` commands, and keys
against real servers."""

import json
import logging
import os
import re
import subprocess
import sys
from datetime import date, datetime, timedelta

import pytest
from peewee import OperationalError

from api import keys
from api.keys import KEY_PATTERN, LOOKUP_SECONDS, USAGE_DAYS, DatabaseUsage, Keys, Refused, presented, utc_now
from api.models import ApiKey, ApiKeyUsage
from tests.conftest import build_app
from tests.servers import ROOT, Server

WELL_FORMED = "tdk_" + "A" * 40  # a key's form, known to no database


class Records(logging.Handler):
    def __init__(self):
        super().__init__()
        self.records = []

    def emit(self, record):
        self.records.append(record)

    @property
    def text(self):
        return "\n".join(record.getMessage() for record in self.records)


@pytest.fixture
def api_log():
    """``listen()``: the records of the app's loggers from then on (they do not propagate to the
    root's, and each new app sets their handlers: api/logs.py)."""
    records = Records()
    loggers = [logging.getLogger("api"), logging.getLogger("api.access")]

    def listen():
        for logger in loggers:
            logger.addHandler(records)
        return records

    yield listen
    for logger in loggers:
        logger.removeHandler(records)


def make_key(app, name="partner", rate_limit="100/hour", **options):
    with app.app_context():
        return keys.create(name, rate_limit, **options)


def bearer(key):
    return {"Authorization": f"Bearer {key}"}


@pytest.mark.parametrize(
    "environ",
    [
        {"HTTP_AUTHORIZATION": f"Bearer {WELL_FORMED}"},
        {"HTTP_AUTHORIZATION": f"bearer   {WELL_FORMED} "},
        {"HTTP_X_API_KEY": WELL_FORMED},
        {"HTTP_AUTHORIZATION": f"Bearer {WELL_FORMED}", "HTTP_X_API_KEY": WELL_FORMED},
    ],
)
def test_a_key_is_read_from_either_header(environ):
    assert presented(environ) == WELL_FORMED


def test_a_request_without_credentials_sends_no_key():
    assert presented({"HTTP_ACCEPT": "application/json"}) is None


@pytest.mark.parametrize(
    ("environ", "error", "challenge"),
    [
        ({"HTTP_AUTHORIZATION": "Basic dXNlcjpwYXNz"}, None, 'Bearer realm="tendances"'),
        ({"HTTP_AUTHORIZATION": "Bearer"}, "invalid_token", 'error="invalid_token"'),
        ({"HTTP_X_API_KEY": ""}, "invalid_token", "tdk_ and 40 letters"),
        ({"HTTP_X_API_KEY": WELL_FORMED[:-1] + "!"}, "invalid_token", "not an API key"),
        ({"HTTP_X_API_KEY": WELL_FORMED + "A"}, "invalid_token", "not an API key"),
        (
            {"HTTP_AUTHORIZATION": f"Bearer {WELL_FORMED}", "HTTP_X_API_KEY": "tdk_" + "B" * 40},
            "invalid_request",
            "two different keys",
        ),
    ],
)
def test_credentials_that_cannot_be_a_key_are_refused(environ, error, challenge):
    with pytest.raises(Refused) as refused:
        presented(environ)
    assert refused.value.error == error and challenge in refused.value.challenge()
    assert refused.value.challenge().isascii()


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_known_unknown_revoked_and_expired_keys(empty_app):
    today = utc_now().date()
    partner = make_key(empty_app, "partner", expires=today)
    gone = make_key(empty_app, "gone")
    with empty_app.app_context():
        assert keys.revoke("gone") is True and keys.revoke("gone") is False
    database = empty_app.extensions["database"]
    registry = Keys(database, today=lambda: today)
    found = registry.identify({"HTTP_X_API_KEY": partner})
    assert (found.name, found.prefix, found.rate_limit, found.expires) == ("partner", partner[:12], "100/hour", today)
    assert [(item.amount, item.get_expiry()) for item in found.limits] == [(100, 3600)]
    refusals = {}
    for name, key, day in (("unknown", WELL_FORMED, today), ("revoked", gone, today), ("expired", partner, today + timedelta(1))):
        with pytest.raises(Refused) as refused:
            Keys(database, today=lambda day=day: day).identify({"HTTP_X_API_KEY": key})
        refusals[name] = refused.value.detail
    assert refusals == {
        "unknown": "The key tdk_AAAAAAAA... is not known here.",
        "revoked": f"The key {gone[:12]}... was revoked.",
        "expired": f"The key {partner[:12]}... expired at the end of {today.isoformat()}.",
    }


def test_a_key_found_is_trusted_for_a_few_seconds_then_read_again(empty_app):
    key = make_key(empty_app)
    clock = Clock()
    registry = Keys(empty_app.extensions["database"], clock=clock)
    assert registry.identify({"HTTP_X_API_KEY": key}).name == "partner"
    with empty_app.app_context():
        keys.revoke("partner")
    clock.now += LOOKUP_SECONDS - 0.1
    assert registry.identify({"HTTP_X_API_KEY": key}).name == "partner"  # as last found
    clock.now += 0.1
    with pytest.raises(Refused, match="was revoked"):
        registry.identify({"HTTP_X_API_KEY": key})


class Away:
    """A database that does not answer."""

    param = "?"

    def execute_sql(self, sql, params=None):
        raise OperationalError("connection refused")

    def atomic(self):
        raise OperationalError("connection refused")

    def release(self):
        pass

    def is_closed(self):
        return True


def test_a_database_away_leaves_a_key_as_last_found(empty_app):
    key = make_key(empty_app)
    clock = Clock()
    registry = Keys(empty_app.extensions["database"], clock=clock)
    registry.identify({"HTTP_X_API_KEY": key})
    registry.database = Away()
    clock.now += LOOKUP_SECONDS * 10
    assert registry.identify({"HTTP_X_API_KEY": key}).name == "partner"
    with pytest.raises(OperationalError):  # never found: the request path's 503
        registry.identify({"HTTP_X_API_KEY": WELL_FORMED})


@pytest.fixture
def limited_app(new_database_url):
    """The app with an anonymous limit of 3 a minute, on an empty, migrated database."""
    return build_app(new_database_url(), RATE_LIMIT="3/minute")


def test_a_key_has_its_own_limit_and_budget(limited_app):
    key = make_key(limited_app, rate_limit="5/minute")
    client = limited_app.test_client()
    keyed = [client.get("/v1/keywords", headers=bearer(key)) for _ in range(6)]
    assert [r.status_code for r in keyed] == [200] * 5 + [429]
    assert [r.headers["X-RateLimit-Limit"] for r in keyed] == ["5"] * 6
    assert [r.headers["X-RateLimit-Remaining"] for r in keyed] == ["4", "3", "2", "1", "0", "0"]
    anonymous = client.get("/v1/keywords")
    assert anonymous.status_code == 200 and anonymous.headers["X-RateLimit-Limit"] == "3"
    assert anonymous.headers["X-RateLimit-Remaining"] == "2"  # the key's requests were not the address's


def test_a_key_is_limited_when_anonymous_clients_are_not(empty_app):
    key = make_key(empty_app, rate_limit="1/minute")
    client = empty_app.test_client()
    assert "X-RateLimit-Limit" not in client.get("/v1/keywords").headers  # RATE_LIMIT none
    assert [client.get("/v1/keywords", headers={"X-API-Key": key}).status_code for _ in range(2)] == [200, 429]


def test_a_refused_key_is_a_401_problem_never_an_anonymous_request(limited_app):
    client = limited_app.test_client()
    etag = client.get("/v1/keywords").headers["ETag"]
    refused = client.get("/v1/keywords", headers={**bearer(WELL_FORMED), "If-None-Match": etag})
    assert refused.status_code == 401  # not a 304: the key is checked first
    assert refused.content_type == "application/problem+json"
    assert refused.get_json() == {
        "type": "/problems/unauthorized",
        "title": "Unauthorized",
        "status": 401,
        "detail": "The key tdk_AAAAAAAA... is not known here.",
        "instance": "/v1/keywords",
    }
    assert refused.headers["WWW-Authenticate"] == (
        'Bearer realm="tendances", error="invalid_token", error_description="The key tdk_AAAAAAAA... is not known here."'
    )
    # Each refusal spends one of the address's requests: 3 a minute, two spent above.
    assert [client.get("/v1/keywords", headers={"X-API-Key": "nope"}).status_code for _ in range(2)] == [401, 429]


def test_probes_and_docs_take_no_key(empty_app):
    client = empty_app.test_client()
    for path in ("/health", "/openapi.json", "/docs"):
        assert client.get(path, headers=bearer(WELL_FORMED)).status_code == 200, path


def test_no_log_line_nor_answer_holds_a_key(empty_app, api_log):
    key = make_key(empty_app)
    client = empty_app.test_client()
    api_log = api_log()
    answers = [client.get(path, headers=bearer(key)) for path in ("/v1/keywords", "/v1/me", "/v1/nope")]
    answers.append(client.get("/v1/keywords", headers=bearer(key[:-1] + ("y" if key.endswith("x") else "x"))))
    access = [record.access for record in api_log.records if record.name == "api.access"]
    assert [line.get("key") for line in access] == ["partner", "partner", "partner", None]
    texts = [record.getMessage() + json.dumps(getattr(record, "access", {})) for record in api_log.records]
    texts += [answer.get_data(as_text=True) + str(answer.headers) for answer in answers]
    assert not any(key in text or key[:-1] in text for text in texts)
    assert key[:12] in answers[-1].get_json()["detail"]  # a refusal names the key by its prefix only


def test_no_browser_may_send_a_key(empty_app):
    preflight = empty_app.test_client().options(
        "/v1/keywords",
        headers={
            "Origin": "https://news.example",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization, x-api-key",
        },
    )
    allowed = preflight.headers["Access-Control-Allow-Headers"].lower()
    assert preflight.status_code == 204 and "authorization" not in allowed and "x-api-key" not in allowed
    exposed = empty_app.test_client().get("/v1/keywords").headers["Access-Control-Expose-Headers"].lower()
    assert "authenticate" not in exposed and "key" not in exposed


def test_me_without_a_key_shows_the_address_s_limit(limited_app):
    client = limited_app.test_client()
    answers = [client.get("/v1/me") for _ in range(2)]
    assert [answer.get_json()["rate_limit"]["remaining"] for answer in answers] == [2, 1]  # built each time
    me = answers[0].get_json()
    assert me["authenticated"] is False and me["key"] is None and me["usage"] is None
    assert me["rate_limit"]["limit"] == 3 and me["rate_limit"]["reset"] == int(answers[0].headers["X-RateLimit-Reset"])
    assert answers[0].headers["Cache-Control"] == "private, no-store" and "ETag" not in answers[0].headers
    assert limited_app.test_client().get("/v1/me", headers={"If-None-Match": "*"}).status_code == 200


def test_me_with_a_key_shows_the_key_its_limit_and_its_days(empty_app):
    key = make_key(empty_app, rate_limit="10/minute", expires=date(2099, 12, 31))
    client = empty_app.test_client()
    for _ in range(3):
        client.get("/v1/keywords", headers={"X-API-Key": key})
    me = client.get("/v1/me", headers=bearer(key)).get_json()
    assert me["authenticated"] is True
    created = me["key"].pop("created")
    assert me["key"] == {"name": "partner", "prefix": key[:12], "rate_limit": "10/minute", "expires": "2099-12-31"}
    assert abs(datetime.fromisoformat(created.rstrip("Z")) - utc_now()) < timedelta(minutes=1) and created.endswith("Z")
    assert me["rate_limit"]["limit"] == 10 and me["rate_limit"]["remaining"] == 6
    today = utc_now().date()
    assert [day["day"] for day in me["usage"]] == [(today - timedelta(n)).isoformat() for n in range(USAGE_DAYS - 1, -1, -1)]
    assert [day["requests"] for day in me["usage"]] == [0] * (USAGE_DAYS - 1) + [4]  # counted, not written yet


def test_usage_written_by_each_worker_adds_up_and_outlives_a_restart(new_database_url):
    url = new_database_url()
    first = build_app(url)
    key = make_key(first)
    for _ in range(3):
        first.test_client().get("/v1/keywords", headers=bearer(key))
    first.extensions["usage"].flush()
    second = build_app(url)  # another worker, or the service started again
    second.test_client().get("/v1/keywords", headers=bearer(key))
    second.extensions["usage"].flush()
    second.extensions["usage"].flush()  # nothing more to write
    me = build_app(url).test_client().get("/v1/me", headers=bearer(key)).get_json()
    assert me["usage"][-1] == {"day": utc_now().date().isoformat(), "requests": 5}
    with first.app_context():
        assert ApiKeyUsage.select().count() == 1
        assert utc_now() - ApiKey.get().last_used < timedelta(minutes=1)


def test_usage_is_kept_while_the_database_is_away(empty_app, api_log):
    key = make_key(empty_app)
    with empty_app.app_context():
        key_id = ApiKey.get().id
    usage = DatabaseUsage(empty_app.extensions["database"])
    now = utc_now()
    usage.pending, usage.last = {(key_id, now.date()): 4}, {key_id: now}
    api_log = api_log()
    database, usage.database = usage.database, Away()
    usage.flush()
    assert usage.pending == {(key_id, now.date()): 4} and "kept for the next write" in api_log.text
    usage.database = database
    usage.flush()
    with empty_app.app_context():
        assert [(row.day, row.requests) for row in ApiKeyUsage.select()] == [(now.date(), 4)]
        assert ApiKey.get().last_used == now
    assert key


@pytest.fixture
def keys_redis_url(redis_url):
    """A Redis database of these tests' own: tests/test_production.py empties database 0 as it
    likes. Keys are named there by their digest's start: no two tests' keys share a counter."""
    return f"{redis_url.rpartition('/')[0]}/1"


def test_usage_in_redis_is_shared_and_outlives_a_restart(new_database_url, keys_redis_url):
    redis_url = keys_redis_url
    url = new_database_url()
    first = build_app(url, RATE_LIMIT_STORAGE_URL=redis_url)
    key = make_key(first, rate_limit="5/minute")
    second = build_app(url, RATE_LIMIT_STORAGE_URL=redis_url)
    statuses = [app.test_client().get("/v1/keywords", headers=bearer(key)).status_code for app in (first, second) * 3]
    assert statuses == [200] * 5 + [429]  # one budget for the key, whichever worker counts
    third = build_app(url, RATE_LIMIT_STORAGE_URL=redis_url)  # the service started again
    with third.app_context():
        (row,) = ApiKey.select()
        days = third.extensions["usage"].days(row, utc_now().date())
        (last_used,) = third.extensions["usage"].last_used([row]).values()
    assert days[-1] == (utc_now().date(), 6) and sum(requests for _, requests in days) == 6  # the 429 too
    assert utc_now() - last_used < timedelta(minutes=1)


def test_redis_away_counts_no_usage_and_fails_no_request(new_database_url, api_log):
    app = build_app(new_database_url(), RATE_LIMIT_STORAGE_URL="redis://127.0.0.1:9")  # nothing answers there
    key = make_key(app, rate_limit="5/minute")
    client = app.test_client()
    api_log = api_log()
    assert [client.get("/v1/keywords", headers=bearer(key)).status_code for _ in range(2)] == [200, 200]
    assert api_log.text.count("usage storage unavailable") == 1
    me = client.get("/v1/me", headers=bearer(key))
    assert me.status_code == 503 and me.headers["Retry-After"] == "5"
    assert me.get_json()["type"] == "/problems/unavailable" and "usage store (Redis)" in me.get_json()["detail"]


def test_keys_create_list_and_revoke(empty_app):
    runner = empty_app.test_cli_runner()
    created = runner.invoke(args=["keys", "create", "acme-news", "--limit", "10000/hour", "--expires", "2099-12-31"])
    assert created.exit_code == 0, created.output
    key = created.stdout.strip()
    assert KEY_PATTERN.fullmatch(key) and "cannot be shown again" in created.stderr
    runner.invoke(args=["keys", "create", "second", "--limit", "60/minute"])
    listed = runner.invoke(args=["keys", "list"])
    assert listed.exit_code == 0 and key not in listed.output
    header, acme, second = listed.output.splitlines()
    assert header.split() == ["NAME", "PREFIX", "LIMIT", "CREATED", "LAST", "USED", "EXPIRES", "REVOKED"]
    assert re.fullmatch(rf"acme-news +{key[:12]} +10000/hour +\d{{4}}-\d\d-\d\d \d\d:\d\d +- +2099-12-31 +-", acme)
    assert second.split()[:3] == ["second", second.split()[1], "60/minute"] and second.endswith("-")
    assert runner.invoke(args=["keys", "revoke", "second"]).output == "Key 'second' revoked.\n"
    assert runner.invoke(args=["keys", "revoke", "second"]).output == "Key 'second' was revoked already.\n"
    assert re.search(r"\d\d:\d\d$", runner.invoke(args=["keys", "list"]).output.splitlines()[2])  # when revoked


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["create", "acme-news", "--limit", "10/minute"], "a key named 'acme-news' exists already"),
        (["create", "ACME-NEWS", "--limit", "10/minute"], "a key named 'ACME-NEWS' exists already"),
        (["create", "two words", "--limit", "10/minute"], "a key's name is 1 to 64 letters"),
        (["create", "x" * 65, "--limit", "10/minute"], "a key's name is 1 to 64 letters"),
        (["create", "other", "--limit", "lots"], "'lots' is not a rate limit"),
        (["create", "other", "--limit", "10/minute", "--expires", "2020-01-01"], "2020-01-01 is past"),
        (["create", "other"], "Missing option '--limit'"),
        (["revoke", "nobody"], "no key is named 'nobody'"),
    ],
)
def test_keys_commands_refuse_with_one_line(empty_app, args, message):
    runner = empty_app.test_cli_runner()
    runner.invoke(args=["keys", "create", "acme-news", "--limit", "10/minute"])
    result = runner.invoke(args=["keys", *args])
    assert result.exit_code != 0 and message in result.output and "Traceback" not in result.output


def test_keys_list_with_redis_away_says_so(new_database_url):
    app = build_app(new_database_url(), RATE_LIMIT_STORAGE_URL="redis://127.0.0.1:9")
    make_key(app)
    result = app.test_cli_runner().invoke(args=["keys", "list"])
    assert result.exit_code == 1 and "the usage store (Redis) does not answer" in result.output


def test_keys_commands_on_a_database_not_migrated(new_database_url):
    from api import create_app
    from api.db import create_sqlite_file

    url = new_database_url()
    create_sqlite_file(url)
    result = create_app({"TESTING": True, "DATABASE_URL": url}).test_cli_runner().invoke(args=["keys", "list"])
    assert result.exit_code == 1 and "flask db upgrade" in result.output


def flask(database_url, *args, **settings):
    env = {**os.environ, "DATABASE_URL": database_url, **settings}
    command = [sys.executable, "-m", "flask", "--app", "api", *args]
    return subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True, text=True).stdout.strip()


def test_a_key_against_a_real_server(tmp_path, seeded_database_url):
    key = flask(seeded_database_url, "keys", "create", "acme-news", "--limit", "50/minute")
    server = Server(tmp_path, seeded_database_url, WEB_CONCURRENCY=2, THREADS=4, RATE_LIMIT="20/minute").start()
    try:
        answers = [server.get("/v1/trends/1", bearer(key) if n % 2 else {"X-API-Key": key}) for n in range(6)]
        assert {(status, headers["x-ratelimit-limit"]) for status, headers, _ in answers} == {(200, "50")}
        status, headers, body = server.get("/v1/trends/1", bearer(WELL_FORMED))
        assert status == 401 and headers["www-authenticate"].startswith('Bearer realm="tendances", error="invalid_token"')
        assert json.loads(body)["type"] == "/problems/unauthorized"
        assert server.get_json("/v1/me")[2]["rate_limit"]["limit"] == 20
        status, headers, me = server.get_json("/v1/me", bearer(key))
        assert status == 200 and me["key"]["name"] == "acme-news" and headers["cache-control"] == "private, no-store"
    finally:
        assert server.stop() == 0
    # Each worker wrote what it counted as it stopped: every request the key made.
    listed = flask(seeded_database_url, "keys", "list").splitlines()[1]
    today = utc_now().date().isoformat()
    assert re.fullmatch(rf"acme-news +{key[:12]} +50/minute +{today} \d\d:\d\d +{today} \d\d:\d\d +- +-", listed)
    app = build_app(seeded_database_url)
    with app.app_context():
        assert sum(row.requests for row in ApiKeyUsage.select()) == 7
    assert key not in server.log_path.read_text()


def test_a_key_shared_by_real_servers_through_redis(tmp_path, seeded_database_url, keys_redis_url):
    redis_url = keys_redis_url
    key = flask(seeded_database_url, "keys", "create", "acme-news", "--limit", "6/minute")
    settings = {"RATE_LIMIT": "100/minute", "RATE_LIMIT_STORAGE_URL": redis_url, "WEB_CONCURRENCY": 1}  # two instances
    first = Server(tmp_path, seeded_database_url, **settings).start()
    second = Server(tmp_path, seeded_database_url, **settings).start()
    try:
        statuses = [server.get("/v1/keywords", bearer(key))[0] for _ in range(4) for server in (first, second)]
        assert statuses.count(200) == 6 and statuses.count(429) == 2
    finally:
        first.stop()
        second.stop()
    # Counted in Redis as the requests came, whichever instance: nothing is lost as they stop.
    app = build_app(seeded_database_url, RATE_LIMIT_STORAGE_URL=redis_url)
    today = utc_now().date()
    with app.app_context():
        assert app.extensions["usage"].days(ApiKey.get(), today)[-1] == (today, 8)
    listed = flask(seeded_database_url, "keys", "list", RATE_LIMIT_STORAGE_URL=redis_url).splitlines()[1]
    assert re.fullmatch(rf"acme-news +{key[:12]} +6/minute +{today} \d\d:\d\d +{today} \d\d:\d\d +- +-", listed)
