"""GET /v1/keywords and /v1/keywords/{slug}."""

import json
from urllib.parse import quote

import pytest

from api.search import semantic
from tests.helpers import assert_problem, assert_query_count, api_url


def test_list_keywords_in_french_term_order(get_json):
    terms = [k["term"] for k in get_json("/v1/keywords?page_size=100&kind=cloud")]
    assert len(terms) == 41
    assert terms[:3] == ["accros", "allié positif", "attention"]
    assert terms.index("échapper au réel") < terms.index("empowerment 4.0")


def test_every_concept_of_the_thesaurus_is_a_keyword(client):
    response = client.get("/v1/keywords?page_size=1")
    assert json.loads(response.headers["X-Pagination"])["total"] == 315  # 41 of the cloud among them


@pytest.mark.parametrize("kind", ["cloud", "platform", "topic", "place"])
def test_kind_keeps_one_kind(get_json, kind):
    found = get_json(f"/v1/keywords?kind={kind}&page_size=100")
    assert found and {k["kind"] for k in found} == {kind}


def test_kind_must_be_a_known_one(client):
    assert_problem(client.get("/v1/keywords?kind=person"), 422, "kind")


def test_sort_by_trend_count(get_json):
    top = get_json("/v1/keywords?sort=-trend_count&page_size=2")
    assert [(k["slug"], k["trend_count"]) for k in top] == [("reseaux-sociaux", 29), ("covid-19", 17)]


@pytest.mark.parametrize(
    "q, expected",
    [
        # a label equal to q, then labels starting with it, then with a word starting so, then holding it;
        # preferred labels before alternative ones ("réseaux sociaux positifs" is one of allié positif's)
        ("tiktok", ["tiktok", "tiktok-b2b", "douyin"]),
        ("TIKTOK", ["tiktok", "tiktok-b2b", "douyin"]),
        ("live", ["live-shopping", "video-en-direct", "reconnaissance-faciale", "reinventer-le-live", "black-lives-matter"]),
        ("&", ["click-and-collect", "contradictoire-chaotique", "tiktok-b2b"]),
        ("%", []),
        ("_", []),
    ],
)
def test_q_ranks_exact_then_prefix_then_inner_labels_accents_aside(get_json, q, expected):
    assert [k["slug"] for k in get_json(f"/v1/keywords?q={quote(q)}")] == expected


def test_q_finds_a_keyword_by_an_english_or_alternative_label(get_json):
    assert [k["slug"] for k in get_json("/v1/keywords?q=artificial")][0] == "intelligence-artificielle"
    assert [k["slug"] for k in get_json("/v1/keywords?q=reseau")][:3] == ["parler", "reseaux-alternatifs", "reseaux-commerciaux"]


def test_a_keyword_has_its_labels_and_relations(get_json):
    keyword = get_json("/v1/keywords/influenceurs")
    assert (keyword["kind"], keyword["labels"]) == ("topic", {"fr": "influenceur", "en": "influencer"})
    assert "content creator" in keyword["alt_labels"]["en"]
    assert {"micro-influenceurs", "nano-influenceurs"} <= {k["slug"] for k in keyword["narrower"]}
    narrower = get_json("/v1/keywords/micro-influenceurs")
    assert [k["slug"] for k in narrower["broader"]] == ["influenceurs"]  # narrower is broader read the other way
    assert narrower["broader"][0] == {"slug": "influenceurs", "term": "influenceur", "url": api_url("/v1/keywords/influenceurs")}


def test_a_cloud_term_keeps_its_slug_and_term(get_json):
    keyword = get_json("/v1/keywords/micro-et-nano")
    assert (keyword["kind"], keyword["term"], keyword["labels"]["fr"]) == ("cloud", "micro et nano", "micro et nano")


def test_get_keyword_with_ranked_trends_and_evidence(get_json):
    keyword = get_json("/v1/keywords/micro-et-nano")
    assert [(t["number"], t["grade"]) for t in keyword["trends"]] == [(10, "about"), (11, "mention")]
    first = keyword["trends"][0]
    assert (first["weight"], first["location"], first["evidence"]) == (1.0, "title", "Micro et nano")
    assert "micro" in keyword["trends"][1]["evidence"].lower()
    assert keyword["co_occurring"] == []  # #10 is about nothing else; #11 only mentions it
    assert keyword["trends_url"] == api_url("/v1/trends?keyword=micro-et-nano")


def test_trends_about_a_keyword_come_before_those_that_mention_it(get_json):
    trends = get_json("/v1/keywords/intelligence-artificielle")["trends"]
    grades = [t["grade"] for t in trends]
    assert grades == sorted(grades) and "about" in grades and "mention" in grades  # "about" < "mention"
    about = [t["weight"] for t in trends if t["grade"] == "about"]
    assert about == sorted(about, reverse=True)


def test_co_occurring_keywords_are_about_the_same_trends(get_json):
    co_occurring = get_json("/v1/keywords/splinternet")["co_occurring"]
    assert co_occurring and all(k["count"] >= 1 for k in co_occurring)
    assert {"etats-unis", "chine"} <= {k["slug"] for k in co_occurring}


def test_keyword_detail_queries_are_bounded(uncached_client):
    with assert_query_count(5):
        assert uncached_client.get("/v1/keywords/confinement").status_code == 200


def test_list_keywords_is_one_page_query(uncached_client):
    with assert_query_count(4):  # data version, count, page ids, page rows
        assert uncached_client.get("/v1/keywords?page_size=100").status_code == 200


def test_unknown_keyword_is_a_404(client):
    assert_problem(client.get("/v1/keywords/nope"), 404, "No keyword 'nope'")


def test_names_hold_every_slug_and_label_preferred_labels_first(app):
    from api.analysis import label_key
    from api.keywords.names import NAMES

    with app.app_context():
        names = NAMES.at("a version")
        assert NAMES.at("a version") is names
        zoom = names.keywords[names.by_slug["zoom"]]
        assert names.named("zoom") == zoom and zoom.labels[0] == "Zoom"
        social = names.named(label_key("Social Media"))
        assert social.slug == "reseaux-sociaux" and "social media" in social.labels
        assert [label in ("réseaux sociaux", "social media") for label in social.labels[:3]] == [True, True, False]


def test_a_concept_suggests_trends_by_meaning_apart_from_its_trends(get_json):
    suggesting = [k for k in get_json("/v1/keywords?page_size=100") if get_json(k["url"])["suggested_trends"]]
    assert suggesting
    for keyword in suggesting[:5]:
        detail = get_json(keyword["url"])
        linked = {t["number"] for t in detail["trends"]}
        similarities = [t["similarity"] for t in detail["suggested_trends"]]
        assert similarities == sorted(similarities, reverse=True) and min(similarities) >= semantic.SUGGESTION_FLOOR
        editions = [t["edition"] for t in detail["suggested_trends"]]
        assert max(editions.count(year) for year in editions) <= semantic.SUGGESTIONS  # in each edition
        assert not linked & {t["number"] for t in detail["suggested_trends"]}
        assert all(t["passage"] and t["url"].startswith(api_url("/v1/trends/")) for t in detail["suggested_trends"])
