"""Conventions every operation follows: paging, errors, caching, CORS, methods, encoding."""

import dataclasses
import json
import re

import pytest

from api.parameters import MAX_PAGE
from api.models import Trend
from api.search.syntax import parse_query
from api.search.index import ranked
from api.search.results import KINDS
from seed.loader import load_report
from tests.conftest import build_app
from tests.helpers import assert_problem, assert_query_count, api_url

LISTS = ["/v1/trends", "/v1/trends/11/related", "/v1/experts", "/v1/keywords", "/v1/editions"]
DETAILS = ["/v1/trends/5", "/v1/experts/nicolas-celic", "/v1/keywords/splinternet", "/v1/editions/2021", "/"]


def pagination(response):
    return json.loads(response.headers["X-Pagination"])


def links(response):
    return {rel: url for url, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', response.headers.get("Link", ""))}


# Absolute URLs


def urls_in(value, name=""):
    """Every URL into the API in a JSON document: the values of ``url`` and ``*_url``, and the
    index's links (``links`` are other sites': profiles, a text's links)."""
    if name in ("documentation", "resources"):
        return list(value.values())
    if isinstance(value, dict):
        return [url for key, item in value.items() if key != "links" for url in urls_in(item, key)]
    if isinstance(value, list):
        return [url for item in value for url in urls_in(item, name)]
    return [value] if isinstance(value, str) and (name == "url" or name.endswith("_url")) else []


@pytest.mark.parametrize(
    "url", LISTS + DETAILS + ["/v1/search?q=influenceurs&page_size=50", "/v1/keywords/intelligence-artificielle"]
)
def test_every_url_field_is_absolute_under_public_url(get_json, url):
    found = urls_in(get_json(url))
    assert found and all(found_url.startswith(api_url("/")) for found_url in found)


def test_urls_come_from_public_url_never_from_the_host_header(app):
    public = "https://api.example.com/tendances"
    client = build_app(app.config["DATABASE_URL"], PUBLIC_URL=public).test_client()
    response = client.get("/v1/trends?page_size=1", headers={"Host": "evil.example"})
    assert "evil.example" not in response.get_data(as_text=True) + response.headers["Link"]
    assert links(response)["next"] == f"{public}/v1/trends?page_size=1&page=2"
    assert all(url.startswith(f"{public}/v1/") for url in urls_in(response.get_json()))
    index = client.get("/", headers={"Host": "evil.example"}).get_json()
    assert index["documentation"]["swagger_ui"] == f"{public}/docs" and index["resources"]["trends"] == f"{public}/v1/trends"


# Paging


def test_default_page_is_20_with_pagination_headers(client):
    response = client.get("/v1/trends")
    assert len(response.get_json()) == 20
    assert pagination(response) == {
        "total": 38,
        "total_pages": 2,
        "page": 1,
        "page_size": 20,
        "first": 1,
        "prev": None,
        "next": 2,
        "last": 2,
    }
    assert links(response) == {
        "first": api_url("/v1/trends?page=1"),
        "next": api_url("/v1/trends?page=2"),
        "last": api_url("/v1/trends?page=2"),
    }


def test_link_header_keeps_the_other_parameters(client):
    response = client.get("/v1/trends?keyword=confinement&match=any&page_size=2&page=2")
    assert links(response) == {
        "first": api_url("/v1/trends?keyword=confinement&match=any&page_size=2&page=1"),
        "prev": api_url("/v1/trends?keyword=confinement&match=any&page_size=2&page=1"),
        "next": api_url("/v1/trends?keyword=confinement&match=any&page_size=2&page=3"),
        "last": api_url("/v1/trends?keyword=confinement&match=any&page_size=2&page=6"),
    }


def test_following_next_links_visits_every_item_once(client):
    url, seen = "/v1/experts?page_size=7", []
    while url:
        response = client.get(url)
        seen += [e["slug"] for e in response.get_json()]
        url = links(response).get("next")
    assert len(seen) == len(set(seen)) == 35


@pytest.mark.parametrize("page", ["3", "1000", str(MAX_PAGE)])
def test_a_page_past_the_end_is_an_empty_array(client, page):
    response = client.get(f"/v1/trends?page={page}")
    assert response.status_code == 200 and response.get_json() == []
    paging = pagination(response)
    assert (paging["total"], paging["page"], paging["prev"], paging["next"], paging["last"]) == (38, int(page), 2, None, 2)
    assert set(links(response)) == {"first", "prev", "last"} and "page=2" in links(response)["prev"]


@pytest.mark.parametrize("url", LISTS)
@pytest.mark.parametrize(
    "query, parameter",
    [("page=0", "page"), ("page=-1", "page"), ("page=x", "page"), ("page_size=0", "page_size"), ("page_size=101", "page_size")],
)
def test_out_of_range_paging_is_a_422_naming_the_parameter(client, url, query, parameter):
    body = assert_problem(client.get(f"{url}?{query}"), 422)
    assert list(body["errors"]) == [parameter]


@pytest.mark.parametrize("url", LISTS + ["/v1/search?q=sobriete"])
@pytest.mark.parametrize("page", [str(2**31), str(2**63), str(10**30)])
def test_a_page_past_what_sql_can_offset_is_a_422(client, url, page):
    body = assert_problem(client.get(f"{url}{'&' if '?' in url else '?'}page={page}"), 422, "less than or equal to 2147483647")
    assert list(body["errors"]) == ["page"]


def test_the_largest_page_is_an_empty_page(client):
    for url in ("/v1/search?q=sobriete", "/v1/trends", "/v1/keywords"):
        response = client.get(f"{url}{'&' if '?' in url else '?'}page={MAX_PAGE}&page_size=100")
        body = response.get_json()
        assert response.status_code == 200 and (body["hits"] if "search" in url else body) == []


def test_the_largest_offset_fits_sql(app):
    # The views answer a page past the end without a query; SQL must take the offset anyway.
    with app.app_context():
        assert list(ranked(parse_query("sobriete"), KINDS, None).paginate(MAX_PAGE, 100)) == []
        assert list(Trend.select().paginate(MAX_PAGE, 100)) == []


@pytest.mark.parametrize(
    "url, query, parameter",
    [
        ("/v1/trends", "page=1&page=2", "page"),
        ("/v1/experts", "page_size=5&page_size=50", "page_size"),
        ("/v1/trends", "q=tiktok&q=covid", "q"),
        ("/v1/trends", "edition=2021&edition=2021", "edition"),
        ("/v1/keywords", "sort=term&sort=-trend_count", "sort"),
        ("/v1/trends/5", "edition=2021&edition=2020", "edition"),
    ],
)
def test_a_single_valued_parameter_given_twice_is_a_422(client, url, query, parameter):
    body = assert_problem(client.get(f"{url}?{query}"), 422, "Give this parameter once")
    assert list(body["errors"]) == [parameter]


@pytest.mark.parametrize(
    "url, errors",
    [
        ("/v1/trends?keywords=splinternet", {"keywords": ['Unknown parameter. Did you mean "keyword"?']}),
        (
            "/v1/search?q=tiktok&types=trend&pagesize=5",
            {
                "pagesize": ['Unknown parameter. Did you mean "page_size"?'],
                "types": ['Unknown parameter. Did you mean "type"?'],
            },
        ),
        ("/v1/experts/nicolas-celic?zzz=1", {"zzz": ["Unknown parameter. Known: none."]}),
        ("/v1/keywords?qq=", {"qq": ['Unknown parameter. Did you mean "q"?']}),
    ],
)
def test_an_unknown_parameter_is_a_422_naming_the_closest_known_one(client, url, errors):
    body = assert_problem(client.get(url), 422)
    assert body["errors"] == errors and body["detail"] == f"Unknown parameter: {', '.join(errors)}."
    assert client.head(url).status_code == 422


def test_every_documented_parameter_is_known(client):
    assert (
        client.get(
            "/v1/trends?q=tiktok&keyword=tiktok&exclude_keyword=chine&match=any&keyword_grade=about"
            "&expert=nicolas-celic&edition=2021&sort=relevance&literal=false&page=1&page_size=5"
        ).status_code
        == 200
    )
    assert client.get("/docs?anything=1").status_code == 200  # pages the document does not describe: not checked


def test_list_parameters_still_repeat(get_json):
    assert [t["number"] for t in get_json("/v1/trends?keyword=influence-marketing&keyword=micro-et-nano")] == [11]


@pytest.mark.parametrize("url", ["/v1/experts?q=%FF", "/v1/trends?keyword=%C3%28", "/v1/search?q=a%ED%A0%80b"])
def test_a_query_string_that_is_not_utf8_is_a_400(client, url):
    assert_problem(client.get(url), 400, "not UTF-8")


def test_a_path_that_is_not_utf8_is_a_400(client):
    # The test client would percent-decode to U+FFFD: give the WSGI path as a server does.
    response = client.get("/v1/experts/x", environ_overrides={"PATH_INFO": "/v1/experts/\xc3("})
    assert_problem(response, 400, "not UTF-8")


@pytest.mark.parametrize("accept", ["application/xml", "text/html", "image/png;q=1, */*;q=0"])
def test_any_accept_header_gets_json(client, accept):
    response = client.get("/v1/trends/5", headers={"Accept": accept})
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert_problem(client.get("/v1/trends/999", headers={"Accept": accept}), 404)


@pytest.mark.parametrize("url", LISTS)
def test_every_list_is_paged(client, url):
    response = client.get(f"{url}?page_size=1")
    assert response.status_code == 200 and len(response.get_json()) == 1
    assert pagination(response)["total"] >= 1 and "first" in links(response)


# Errors


def test_unknown_route_is_a_404_problem(client):
    assert_problem(client.get("/v2/trends"), 404)


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
@pytest.mark.parametrize("url", ["/v1/trends", "/v1/trends/5", "/v1/keywords/splinternet"])
def test_wrong_method_is_a_405_problem_with_allow(client, method, url):
    response = getattr(client, method)(url, json={})
    assert_problem(response, 405)
    assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}


# Caching


def test_get_carries_a_weak_etag_and_cache_control(client):
    response = client.get("/v1/trends/5")
    assert response.headers["ETag"].startswith('W/"')
    assert response.headers["Cache-Control"] == "public, max-age=300"


@pytest.mark.parametrize("url", LISTS + DETAILS)
def test_if_none_match_gives_304_with_no_body(client, url):
    etag = client.get(url).headers["ETag"]
    response = client.get(url, headers={"If-None-Match": etag})
    assert response.status_code == 304 and response.get_data() == b""
    assert response.headers["ETag"] == etag and response.headers["Cache-Control"] == "public, max-age=300"


def test_a_304_carries_the_same_headers_whichever_worker_answers(app, uncached_app):
    # RFC 9110 15.4.5: ETag, Cache-Control and Vary as the 200 has them; never the body's own
    # (X-Pagination, Link, Content-Type). One worker keeps the answer, the other builds every one.
    kept, built = app.test_client(), uncached_app.test_client()
    etag = kept.get("/v1/trends?page=2").headers["ETag"]
    names = set()
    for client in (kept, built, kept):
        response = client.get("/v1/trends?page=2", headers={"If-None-Match": etag, "Origin": "https://example.org"})
        assert response.status_code == 304
        names.add(frozenset(name for name in response.headers.keys() if name != "X-Request-ID"))
    (found,) = names
    assert {"ETag", "Cache-Control", "Vary", "Access-Control-Allow-Origin"} <= found
    assert not found & {"X-Pagination", "Link", "Content-Type", "Content-Length"}


def test_304_runs_no_query_and_no_view(new_database_url, report):
    app = build_app(new_database_url(), DATA_VERSION_TTL=3600)
    with app.app_context():
        load_report(report)
    client = app.test_client()
    etag = client.get("/v1/trends?keyword=micro-et-nano").headers["ETag"]
    with assert_query_count(0, least=0):
        assert client.get("/v1/trends?keyword=micro-et-nano", headers={"If-None-Match": etag}).status_code == 304


def test_stale_etag_gets_the_full_answer(client):
    response = client.get("/v1/trends/5", headers={"If-None-Match": 'W/"old-version"'})
    assert response.status_code == 200 and response.get_json()["number"] == 5


def test_etag_changes_when_the_data_changes_and_only_then(empty_app, report):
    client = empty_app.test_client()
    with empty_app.app_context():
        load_report(report)
        first = client.get("/v1/trends").headers["ETag"]
        load_report(report)  # nothing changes
        assert client.get("/v1/trends").headers["ETag"] == first
        changed = dataclasses.replace(report, trends=[dataclasses.replace(t) for t in report.trends])
        changed.trends[0].title = "Un autre titre"
        load_report(changed)
    second = client.get("/v1/trends").headers["ETag"]
    assert second != first
    assert client.get("/v1/trends", headers={"If-None-Match": first}).status_code == 200


def test_errors_carry_no_etag(client):
    assert "ETag" not in client.get("/v1/trends/999").headers


# CORS


def test_cors_allows_any_origin_and_exposes_paging_and_limit_headers(client):
    response = client.get("/v1/trends", headers={"Origin": "https://front.example"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert set(response.headers["Access-Control-Expose-Headers"].split(", ")) == {
        "ETag",
        "Link",
        "X-Pagination",
        "X-Request-ID",
        "X-RateLimit-Limit",
        "X-RateLimit-Remaining",
        "X-RateLimit-Reset",
        "Retry-After",
    }


PREFLIGHT = {
    "Origin": "https://front.example",
    "Access-Control-Request-Method": "GET",
    "Access-Control-Request-Headers": "If-None-Match",
}


def test_cors_preflight_is_a_204_with_no_body(client):
    response = client.options("/v1/trends", headers=PREFLIGHT)
    assert response.status_code == 204 and response.get_data() == b"" and "Content-Type" not in response.headers
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert set(response.headers["Access-Control-Allow-Methods"].split(", ")) == {"GET", "HEAD", "OPTIONS"}
    assert "if-none-match" in response.headers["Access-Control-Allow-Headers"].lower()
    assert response.headers["Access-Control-Max-Age"] == "86400"


def test_preflights_are_never_rate_limited(seeded_database_url):
    client = build_app(seeded_database_url, RATE_LIMIT="2/minute").test_client()
    assert [client.get("/v1/keywords").status_code for _ in range(3)] == [200, 200, 429]
    assert [client.options("/v1/keywords", headers=PREFLIGHT).status_code for _ in range(20)] == [204] * 20
    assert "X-RateLimit-Remaining" not in client.options("/v1/keywords", headers=PREFLIGHT).headers


def test_a_preflight_from_an_origin_not_allowed_gets_no_permission(new_database_url):
    client = build_app(new_database_url(), CORS_ORIGINS=["https://front.example"]).test_client()
    response = client.options("/v1/trends", headers={**PREFLIGHT, "Origin": "https://evil.example"})
    assert response.status_code == 204 and "Access-Control-Allow-Origin" not in response.headers
    assert "Origin" in response.headers["Vary"]


def test_cors_origins_are_configurable(new_database_url):
    client = build_app(new_database_url(), CORS_ORIGINS=["https://front.example"]).test_client()
    allowed = client.get("/health", headers={"Origin": "https://front.example"})
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://front.example"
    assert "Origin" in allowed.headers["Vary"]
    other = client.get("/health", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers


# Methods and encoding


def routes(app):
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and rule.endpoint != "static":
            yield rule


def test_head_and_options_work_on_every_route(app, client):
    for rule in routes(app):
        url = {
            "/v1/trends/<number_or_slug>": "/v1/trends/5",
            "/v1/trends/<number_or_slug>/related": "/v1/trends/5/related",
            "/v1/trends/<number_or_slug>/citation": "/v1/trends/5/citation",
            "/v1/experts/<slug>": "/v1/experts/nicolas-celic",
            "/v1/keywords/<slug>": "/v1/keywords/splinternet",
            "/v1/editions/<int:year>": "/v1/editions/2021",
            "/problems/<kind>": "/problems/not-found",
            "/v1/search": "/v1/search?q=splinternet",
        }.get(rule.rule, rule.rule)
        get, head = client.get(url), client.head(url)
        assert head.status_code == get.status_code == 200, url
        assert head.get_data() == b"" and head.headers.get("ETag") == get.headers.get("ETag")
        options = client.options(url)
        assert options.status_code == 204 and "GET" in options.headers["Allow"] and options.get_data() == b"", url


def test_json_is_utf8_with_french_text_unescaped(client):
    response = client.get("/v1/trends/1")
    assert response.mimetype == "application/json"
    assert "Éduquer, nourrir".encode() in response.get_data()
    assert b"\\u00" not in response.get_data()


def test_slugs_are_lowercase_ascii(get_json):
    slugs = (
        [t["slug"] for t in get_json("/v1/trends?page_size=100")]
        + [e["slug"] for e in get_json("/v1/experts?page_size=100")]
        + [k["slug"] for k in get_json("/v1/keywords?page_size=100")]
    )
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", slug) for slug in slugs)


def test_one_urls_etag_does_not_validate_another(client):
    etag = client.get("/v1/trends/5").headers["ETag"]
    assert client.get("/v1/trends/6", headers={"If-None-Match": etag}).status_code == 200
    assert_problem(client.get("/v1/trends/999", headers={"If-None-Match": etag}), 404)
    assert_problem(client.get("/v1/trends?page=0", headers={"If-None-Match": etag}), 422)


def test_if_none_match_star_is_304_only_for_what_exists(client):
    assert client.get("/v1/trends/5", headers={"If-None-Match": "*"}).status_code == 304
    assert_problem(client.get("/v1/trends/999", headers={"If-None-Match": "*"}), 404)


@pytest.mark.parametrize(
    "path", ["/v1/experts/%00", "/v1/keywords/a%00b", "/v1/trends/%00/related", "/v1/trends/5%1b", "/v1/editions/%00"]
)
def test_control_characters_in_paths_are_a_400(client, path):
    assert_problem(client.get(path), 400, "control characters")


def test_database_away_is_a_503_problem(tmp_path):
    from api import create_app

    client = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path}/missing.db"}).test_client()
    response = client.get("/v1/trends")
    assert_problem(response, 503, "database")
    assert response.headers["Retry-After"] == "5"
    assert not (tmp_path / "missing.db").exists()  # serving never creates a database


@pytest.mark.parametrize(
    "method, url, kind",
    [
        ("GET", "/v1/trends/999", "not-found"),
        ("GET", "/v1/nothing", "not-found"),
        ("POST", "/v1/trends", "method-not-allowed"),
        ("GET", "/v1/trends?page=0", "invalid-parameters"),
        ("GET", "/v1/trends?keyword=nope", "not-found"),
        ("GET", "/v1/trends?pages=2", "unknown-parameters"),
        ("GET", "/v1/trends?q=%FF", "bad-request"),
    ],
)
def test_each_kind_of_problem_has_a_type_whose_page_says_what_it_means(client, method, url, kind):
    body = client.open(url, method=method).get_json(force=True)
    assert body["type"] == f"/problems/{kind}"
    page = client.get(body["type"]).get_json()
    assert page["type"] == body["type"] and page["status"] == body["status"] and page["title"] == body["title"]
    assert page["description"]


def test_problem_types_are_listed_and_an_unknown_one_is_a_404(client):
    listed = client.get("/problems").get_json()
    assert len({kind["type"] for kind in listed}) == len(listed) >= 10
    assert {429, 500, 503} <= {kind["status"] for kind in listed}
    assert_problem(client.get("/problems/nope"), 404)


def test_a_problem_names_twenty_unknown_parameters_at_most(client):
    body = assert_problem(client.get("/v1/trends?" + "&".join(f"p{n:03}=1" for n in range(500))), 422)
    assert len(body["errors"]) == 20 and "p000" in body["errors"]
