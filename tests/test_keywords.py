"""GET /v1/keywords and /v1/keywords/{slug}."""

import pytest

from tests.helpers import assert_problem, assert_query_count


def test_list_keywords_in_french_term_order(get_json):
    terms = [k["term"] for k in get_json("/v1/keywords?page_size=100")]
    assert len(terms) == 41
    assert terms[:3] == ["accros", "allié positif", "attention"]
    assert terms.index("échapper au réel") < terms.index("empowerment 4.0")


def test_sort_by_trend_count(get_json):
    top = get_json("/v1/keywords?sort=-trend_count&page_size=1")[0]
    assert (top["slug"], top["trend_count"]) == ("confinement", 5)


@pytest.mark.parametrize(
    "q, expected",
    [
        ("reseau", ["reseaux-commerciaux", "reseaux-soucieux"]),
        ("RÉSEAU", ["reseaux-commerciaux", "reseaux-soucieux"]),
        ("&", ["contradictoire-chaotique", "tiktok-b2b"]),
        ("%", []),
        ("_", []),
    ],
)
def test_q_is_contains_accent_insensitive_and_literal(get_json, q, expected):
    from urllib.parse import quote

    assert [k["slug"] for k in get_json(f"/v1/keywords?q={quote(q)}")] == expected


def test_get_keyword_with_ranked_trends_and_evidence(get_json):
    keyword = get_json("/v1/keywords/micro-et-nano")
    assert [t["number"] for t in keyword["trends"]] == [10, 11]
    first = keyword["trends"][0]
    assert (first["weight"], first["location"], first["evidence"]) == (1.0, "title", "Micro et nano")
    assert "micro" in keyword["trends"][1]["evidence"].lower()
    # Both come from #11; equal counts sort by term.
    assert keyword["co_occurring"] == [
        {"slug": "data-et-ia", "term": "data et IA", "url": "/v1/keywords/data-et-ia", "count": 1},
        {"slug": "influence-marketing", "term": "influence marketing", "url": "/v1/keywords/influence-marketing", "count": 1},
    ]
    assert keyword["trends_url"] == "/v1/trends?keyword=micro-et-nano"


def test_keyword_detail_queries_are_bounded(uncached_client):
    with assert_query_count(5):
        assert uncached_client.get("/v1/keywords/confinement").status_code == 200


def test_list_keywords_is_one_page_query(uncached_client):
    with assert_query_count(4):  # data version, count, page ids, page rows
        assert uncached_client.get("/v1/keywords?page_size=100").status_code == 200


def test_unknown_keyword_is_a_404(client):
    assert_problem(client.get("/v1/keywords/nope"), 404, "No keyword 'nope'")
