"""The edge: answers kept per data version and served again before Flask runs."""

import dataclasses
import gzip
import json

from api.edge import Entry, ResponseCache
from seed.loader import load_report
from tests.conftest import build_app
from tests.helpers import assert_problem, assert_query_count


def test_a_second_request_is_served_from_memory_alike(client):
    first = client.get("/v1/experts?q=digimind&sort=name")
    with assert_query_count(1) as queries:  # the data version only (the tests re-read it each time)
        second = client.get("/v1/experts?q=digimind&sort=name")
    assert "data_version" in queries[0]
    assert second.get_data() == first.get_data()
    same = {
        "Content-Type",
        "ETag",
        "Cache-Control",
        "X-Pagination",
        "Link",
        "Content-Security-Policy",
        "Access-Control-Allow-Origin",
        "Vary",
    }
    assert {k: first.headers.get(k) for k in same} == {k: second.headers.get(k) for k in same}
    assert second.headers["X-Request-ID"] != first.headers["X-Request-ID"]


def test_a_url_that_is_not_utf8_is_never_answered_from_memory(client):
    # Both decode to the same parameters (U+FFFD), so both would have one key.
    assert client.get("/v1/experts?organization=%EF%BF%BD&page=1").status_code == 200
    assert client.get("/v1/experts?organization=%EF%BF%BD&page=1").status_code == 200
    assert_problem(client.get("/v1/experts?organization=%FF&page=1"), 400)


def test_parameter_order_does_not_matter(client):
    one = client.get("/v1/trends?match=any&keyword=confinement&page_size=3")
    other = client.get("/v1/trends?page_size=3&keyword=confinement&match=any")
    assert one.headers["ETag"] == other.headers["ETag"] and one.get_data() == other.get_data()


def test_gzip_and_identity_answers_are_kept_apart(client):
    plain = client.get("/v1/trends?page_size=50")
    zipped = client.get("/v1/trends?page_size=50", headers={"Accept-Encoding": "gzip"})
    again = client.get("/v1/trends?page_size=50")
    assert zipped.headers["Content-Encoding"] == "gzip" and "Content-Encoding" not in again.headers
    assert json.loads(gzip.decompress(zipped.get_data())) == plain.get_json() == again.get_json()


def test_head_from_memory_has_headers_and_no_body(client):
    get = client.get("/v1/trends/7")
    head = client.head("/v1/trends/7")
    assert head.status_code == 200 and head.get_data() == b""
    assert head.headers["Content-Length"] == get.headers["Content-Length"] and head.headers["ETag"] == get.headers["ETag"]


def test_304_from_memory_keeps_cors_and_security_headers(client):
    etag = client.get("/v1/keywords/sens").headers["ETag"]
    response = client.get("/v1/keywords/sens", headers={"If-None-Match": etag, "Origin": "https://front.example"})
    assert response.status_code == 304 and response.get_data() == b""
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["X-Content-Type-Options"] == "nosniff" and response.headers["X-Request-ID"]
    assert "Content-Type" not in response.headers


def test_a_reseed_makes_kept_answers_stale(empty_app, report):
    client = empty_app.test_client()
    with empty_app.app_context():
        load_report(report)
    before = client.get("/v1/trends/2").get_json()["title"]
    changed = dataclasses.replace(report, trends=[dataclasses.replace(t) for t in report.trends])
    changed.trends[1].title = "Social media : fin de partie"
    with empty_app.app_context():
        load_report(changed)
    assert before == "Social media : fin du game"
    assert client.get("/v1/trends/2").get_json()["title"] == "Social media : fin de partie"


def test_kept_answers_count_against_the_rate_limit(seeded_database_url):
    client = build_app(seeded_database_url, RATE_LIMIT="3/minute").test_client()
    statuses = [client.get("/v1/keywords").status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 429, 429]  # the first from the app, then two from memory
    assert client.get("/health").status_code == 200


def test_memory_is_bounded_least_recently_used_first():
    def entry(size):
        return Entry("v1", "200 OK", [("ETag", 'W/"x"')], b"x" * size, 'W/"x"', "/", False)

    cost = 1000 + 1 + 512  # body, key, bookkeeping
    cache = ResponseCache(max_bytes=8 * cost)
    for name in "abcdefgh":
        cache.put(name, entry(1000))
    assert len(cache.entries) == 8 and cache.size == cache.max_bytes
    cache.get("a")  # used: now the most recent
    cache.put("i", entry(1000))
    assert "b" not in cache.entries and "a" in cache.entries and cache.size <= cache.max_bytes
    cache.put("j", entry(2000))  # more than an eighth of the memory: never kept
    assert "j" not in cache.entries


def test_no_cache_when_its_memory_is_zero(uncached_client):
    with assert_query_count(20):
        uncached_client.get("/v1/trends/3")
    with assert_query_count(20):  # still reaches the view
        uncached_client.get("/v1/trends/3")
