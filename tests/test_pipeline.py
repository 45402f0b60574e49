"""The request path (api/pipeline.py): every answer, refused, kept or built, passes the same steps;
kept answers are keyed by exactly what varies and never answer what the app would refuse."""

import dataclasses
import gzip
import json
import re

import pytest

from api.parameters import chosen

from seed.loader import load_report
from tests.conftest import build_app
from tests.helpers import assert_problem, assert_query_count

ORIGIN = {"Origin": "https://front.example"}


def test_a_second_request_is_served_from_memory_alike(client):
    first = client.get("/v1/experts?q=digimind&sort=name")
    with assert_query_count(1) as queries:  # the data version only (the tests re-read it each time)
        second = client.get("/v1/experts?q=digimind&sort=name")
    assert "data_version" in queries[0]
    assert second.get_data() == first.get_data()
    same = {"Content-Type", "ETag", "Cache-Control", "X-Pagination", "Link", "Content-Security-Policy", "Vary"}
    assert {k: first.headers.get(k) for k in same} == {k: second.headers.get(k) for k in same}
    assert second.headers["X-Request-ID"] != first.headers["X-Request-ID"]


def varies(response):
    return {name.strip() for name in response.headers.get("Vary", "").split(",")}


def test_an_answer_accept_chooses_is_kept_and_validated_per_type_and_says_it_varies(app, client):
    """A trend's citation is CSL-JSON or BibTeX as ``Accept`` prefers: one URL, two answers. Its
    OpenAPI operation documents both types, which is how the request path knows: it chooses
    once, and each type has its ETag and its kept answer."""
    path = "/v1/trends/7/citation"
    for _ in range(2):  # the second time, from the kept answers: each of its own type
        csl = client.get(path)
        bibtex = client.get(path, headers={"Accept": "application/x-bibtex"})
        assert csl.mimetype == "application/vnd.citationstyles.csl+json" and bibtex.mimetype == "application/x-bibtex"
    assert "Accept" in varies(csl) and "Accept" in varies(bibtex)
    assert csl.headers["ETag"] != bibtex.headers["ETag"]
    assert {key for key in app.wsgi_app.kept.entries if key.startswith(f"{path}? ")} == {
        f"{path}? application/vnd.citationstyles.csl+json",
        f"{path}? application/x-bibtex",
    }
    revalidated = client.get(path, headers={"If-None-Match": csl.headers["ETag"]})
    assert revalidated.status_code == 304 and "Accept" in varies(revalidated)  # as its 200 says
    other = client.get(path, headers={"If-None-Match": csl.headers["ETag"], "Accept": "application/x-bibtex"})
    assert other.status_code == 200 and other.mimetype == "application/x-bibtex"  # not the CSL's 304
    assert "Accept" not in varies(client.get("/v1/trends/7/related"))


def test_parameter_order_does_not_matter(client):
    one = client.get("/v1/trends?match=any&keyword=confinement&page_size=3")
    other = client.get("/v1/trends?page_size=3&keyword=confinement&match=any")
    assert one.headers["ETag"] == other.headers["ETag"] and one.get_data() == other.get_data()


def test_a_url_that_is_not_utf8_is_never_answered_from_memory(client):
    # Both decode to the same parameters (U+FFFD), so both would have one key.
    assert client.get("/v1/experts?organization=%EF%BF%BD&page=1").status_code == 200
    assert client.get("/v1/experts?organization=%EF%BF%BD&page=1").status_code == 200
    assert_problem(client.get("/v1/experts?organization=%FF&page=1"), 400)


@pytest.mark.parametrize("cache_mb", [64, 0])
def test_a_url_over_the_limit_is_refused_whether_or_not_its_answer_is_kept(seeded_database_url, cache_mb):
    client = build_app(seeded_database_url, MAX_URL_LENGTH=256, RESPONSE_CACHE_MB=cache_mb).test_client()
    kept = "/v1/experts?page_size=33"
    assert client.get(kept).status_code == 200
    assert client.get(kept).status_code == 200
    long = kept + "&" * 300  # the same parameters, so the same key once normalised
    assert len(long) == 324
    assert_problem(client.get(long), 414, "at most 256")


@pytest.mark.parametrize(
    "accept_encoding, gzipped",
    [
        ("gzip", True),
        ("GZIP", True),
        ("*", True),
        ("x-gzip", True),
        ("gzip;q=0.5", True),
        ("br, gzip;q=0.8", True),
        ("gzip;q=0", False),
        ("gzip;q=0.0, identity", False),
        ("*;q=0, identity", False),
        ("identity", False),
        ("gzip;q=0.2, identity;q=0.9", False),
        ("br", False),
        ("gzip;q=high", False),
        ("", False),
    ],
)
def test_content_coding_follows_q_values(client, accept_encoding, gzipped):
    response = client.get("/v1/trends?page_size=40", headers={"Accept-Encoding": accept_encoding})
    assert (response.headers.get("Content-Encoding") == "gzip") == gzipped
    body = gzip.decompress(response.get_data()) if gzipped else response.get_data()
    assert len(json.loads(body)) == 38 and "Accept-Encoding" in response.headers["Vary"]


@pytest.mark.parametrize("size, poison", list(enumerate(["*", "GZIP", "gzip;q=0", "identity", "gzip"], start=30)))
def test_no_coding_leaks_from_one_client_to_another(client, size, poison):
    url = f"/v1/experts?page_size={size}&sort=name"  # a URL of its own: the poison comes first
    for _ in range(4):
        client.get(url, headers={"Accept-Encoding": poison})
    plain = client.get(url, headers={"Accept-Encoding": "identity"})
    zipped = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in plain.headers and plain.get_json() is not None
    assert zipped.headers["Content-Encoding"] == "gzip" and json.loads(gzip.decompress(zipped.get_data())) == plain.get_json()


def test_head_from_memory_has_headers_and_no_body(client):
    get = client.get("/v1/trends/7")
    head = client.head("/v1/trends/7")
    assert head.status_code == 200 and head.get_data() == b""
    assert head.headers["Content-Length"] == get.headers["Content-Length"] and head.headers["ETag"] == get.headers["ETag"]


def test_304_keeps_cors_and_security_headers(client):
    etag = client.get("/v1/keywords/sens").headers["ETag"]
    response = client.get("/v1/keywords/sens", headers={"If-None-Match": etag, **ORIGIN})
    assert response.status_code == 304 and response.get_data() == b""
    assert response.headers["Access-Control-Allow-Origin"] == "*" and response.headers["Vary"] == "Accept, Accept-Encoding"
    assert response.headers["X-Content-Type-Options"] == "nosniff" and response.headers["X-Request-ID"]
    assert "Content-Type" not in response.headers and "Content-Length" not in response.headers


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


def test_kept_answers_count_against_the_rate_limit_and_304s_do_not(seeded_database_url):
    client = build_app(seeded_database_url, RATE_LIMIT="3/minute").test_client()
    first = client.get("/v1/keywords")
    assert [client.get("/v1/keywords", headers={"If-None-Match": first.headers["ETag"]}).status_code for _ in range(5)] == [
        304
    ] * 5
    statuses = [client.get("/v1/keywords").status_code for _ in range(4)]
    assert statuses == [200, 200, 429, 429]  # the first was the app's, then from memory
    assert client.get("/health").status_code == 200 and client.get("/docs").status_code == 200


def test_no_memory_means_every_request_reaches_the_view(client, uncached_client):
    for _ in range(2):
        client.get("/v1/trends/3")
        uncached_client.get("/v1/trends/3")
    with assert_query_count(1) as kept:  # the data version (the tests re-read it each time)
        client.get("/v1/trends/3")
    with assert_query_count(20, least=3) as built:  # the version, then the view's own queries
        uncached_client.get("/v1/trends/3")
    reads_trends = re.compile(r'\bFROM "?trend"?\b')
    assert not any(reads_trends.search(query) for query in kept) and any(reads_trends.search(query) for query in built)


# Every kind of answer gets the same headers: the request id, CORS, security.


def answers(seeded_database_url):
    """One answer of each kind, in an order that spends the limit of 3 just before the 429."""
    app = build_app(seeded_database_url, RATE_LIMIT="3/minute", MAX_URL_LENGTH=256)
    client = app.test_client()
    etag = client.get("/v1/trends/1").headers["ETag"]  # counted: 1
    client.get("/docs")
    return {
        "304": client.get("/v1/trends/1", headers={"If-None-Match": etag}),  # never counted
        "built": client.get("/health"),  # probes are not limited
        "kept": client.get("/docs"),
        "414": client.get("/v1/trends?q=" + "a" * 300),  # refused before the limit
        "400 no host": client.get("/health", environ_overrides={"HTTP_HOST": ""}),
        "404": client.get("/v1/nothing"),  # 2
        "405": client.post("/v1/trends"),  # 3
        "429": client.get("/v1/trends/1"),
        "204 preflight": client.options("/v1/trends", headers={"Access-Control-Request-Method": "GET", **ORIGIN}),
        "204 options": client.options("/v1/trends"),
    }


def test_every_answer_carries_the_request_id_cors_and_security_headers(seeded_database_url):
    for kind, response in answers(seeded_database_url).items():
        assert response.headers["X-Content-Type-Options"] == "nosniff", kind
        assert response.headers["Content-Security-Policy"].startswith("default-src"), kind
        assert response.headers["Access-Control-Allow-Origin"] == "*", kind
        assert len(response.headers["X-Request-ID"]) == 32, kind
        assert response.headers.getlist("X-Request-ID") == [response.headers["X-Request-ID"]], kind
        if kind[0] in "45":
            assert_problem(response, int(kind[:3]))


def test_a_request_without_host_is_a_400_problem_on_http_1_1_only(client):
    assert_problem(client.get("/v1/trends", environ_overrides={"HTTP_HOST": ""}), 400, "Host")
    assert client.get("/v1/trends", environ_overrides={"HTTP_HOST": "", "SERVER_PROTOCOL": "HTTP/1.0"}).status_code == 200


def test_only_the_documentation_pages_files_are_served(client):
    for path in (
        "/static/vendor/redoc/redoc.standalone.js",
        "/static/docs/swagger-init.js",
        "/static/vendor/swagger-ui/swagger-ui.css",
    ):
        assert client.get(path).status_code == 200, path
    for path in ("/static/vendor/fetch.sh", "/static/vendor/VERSIONS", "/static/vendor/redoc/LICENSE", "/static/docs"):
        assert_problem(client.get(path), 404)


CSL, BIBTEX, LD = "application/vnd.citationstyles.csl+json", "application/x-bibtex", "application/ld+json"


@pytest.mark.parametrize(
    ("accept", "types", "expected"),
    [
        (None, ("application/json", LD), "application/json"),
        ("*/*", ("application/json", LD), "application/json"),  # a tie: the default
        ("application/xml", ("application/json", LD), "application/json"),  # none offered: never a 406
        ("application/ld+json", ("application/json", LD), LD),
        ("application/json;q=0.5, application/ld+json", ("application/json", LD), LD),
        ("application/ld+json;q=0.1, */*", ("application/json", LD), "application/json"),
        ("application/x-bibtex", (CSL, BIBTEX), BIBTEX),
        ("application/x-bibtex;q=0.1, application/json", (CSL, BIBTEX), CSL),  # JSON asks for CSL-JSON
        ("application/x-bibtex, */*;q=0.5", (CSL, BIBTEX), BIBTEX),
        ("text/html, " * 100 + "application/x-bibtex", (CSL, BIBTEX), BIBTEX),  # too long to remember: read all the same
    ],
)
def test_accept_chooses_one_of_the_offered_types(accept, types, expected):
    assert chosen(accept, types) == expected
