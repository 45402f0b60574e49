"""French full-text search: /v1/search, and q on /v1/trends and /v1/experts. The same table of
queries runs on SQLite and on PostgreSQL (make test-postgres)."""

from collections import Counter
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.analysis import sort_key
from tests.helpers import assert_problem, api_url

# Queries written from the corpus, and the trends each must return (as a set).
QUERIES = [
    # accents, either way, and case
    ("splinternet", [13]),
    ("SPLINTERNET", [13]),
    ("sobriété", [30]),
    ("sobriete", [30]),
    ("réseaux soucieux", [23]),
    ("reseaux soucieux", [23]),
    ("télétravail", [18, 22, 29, 33, 35]),
    ("teletravail", [18, 22, 29, 33, 35]),
    ("métavers", [9]),
    ("obésité", [37]),
    # plurals, feminine forms, elisions
    ("influenceurs", [4, 5, 6, 9, 10, 11, 12, 18, 24, 28, 31]),
    ("l'influenceur", [4, 5, 6, 9, 10, 11, 12, 18, 24, 28, 31]),
    ("influenceuse", [4, 5, 6, 9, 10, 11, 12, 18, 24, 28, 31]),
    ("créatrice", [3, 11, 28, 31]),
    ("créateurs", [3, 11, 28, 31]),
    ("directrice", [13, 37]),
    ("l'école", [1, 4, 11, 21, 26, 37]),
    ("écoles", [1, 4, 11, 21, 26, 37]),
    ("podcasts", [4, 8, 25]),
    # numbers glued to words, hyphens
    ("covid", [1, 3, 4, 14, 26, 29, 32, 33, 35, 36]),
    ("covid19", [1, 3, 4, 29, 32, 36]),
    ("Covid-19", [1, 3, 4, 29, 32, 36]),
    ("empowerment 4.0", [19]),
    ("micro-influenceurs", [10, 11]),
    # phrases
    ('"micro et nano"', [10, 11]),
    ('"fake news"', [21, 26, 29, 38]),
    ('"groupes privés"', [7]),
    ('"intelligence artificielle"', [8, 11, 21, 29]),
    ('"cozy web"', [9]),
    # exclusions, OR, prefixes, and-ed words
    ("influenceurs -tiktok", [4, 9, 10, 11, 12, 24, 28, 31]),
    ('"social scoring" -chine', []),
    ("sobriété OR splinternet", [13, 30]),
    ("woke OR washing", [14, 24]),
    ("splinter*", [13]),
    ("whatsapp telegram", [17, 19]),
    ("notation sociale", [20]),
    ("Pinduoduo", [1]),
    ("Tintin", [37]),
    # nothing; a phrase does not run from a title into the body
    ("xyzzy", []),
    ('"splinternet derniers"', []),
    ("splinternet sobriété", []),
]


def trend_numbers(client, q, **params):
    response = client.get("/v1/trends", query_string={"q": q, "page_size": 100, "literal": "true", **params})  # the index's words
    assert response.status_code == 200, response.get_data(as_text=True)
    return [t["number"] for t in response.get_json()]


@pytest.mark.parametrize("q, expected", QUERIES)
def test_french_queries_return_the_expected_trends(client, q, expected):
    assert sorted(trend_numbers(client, q)) == expected


@pytest.mark.parametrize("q, expected", QUERIES)
def test_search_endpoint_finds_the_same_trends(client, q, expected):
    query = {"q": q, "type": "trend", "page_size": 100, "literal": "true"}  # the words as typed
    body = client.get("/v1/search", query_string=query).get_json()
    assert sorted(hit["number"] for hit in body["hits"]) == expected
    assert body["total"] == len(expected) == body["facets"]["type"]["trend"]


def test_title_matches_rank_first(client):
    assert trend_numbers(client, "sobriété")[0] == 30
    assert trend_numbers(client, "réseaux sociaux")[0] == 16  # both words in its title
    assert trend_numbers(client, "influence marketing")[0] == 11


def test_q_composes_with_keyword_and_expert_filters(client):
    celic = {22, 23, 24}
    assert set(trend_numbers(client, "réseaux", expert="nicolas-celic")) == set(trend_numbers(client, "réseaux")) & celic == {23}
    micro = {10, 11}
    assert (
        set(trend_numbers(client, "influenceurs", keyword="micro-et-nano")) == set(trend_numbers(client, "influenceurs")) & micro
    )
    assert trend_numbers(client, "influenceurs", keyword="micro-et-nano", sort="number") == [10, 11]
    assert trend_numbers(client, "splinternet", keyword="sobriete") == []


@pytest.mark.parametrize("url, default", [("/v1/trends", "number"), ("/v1/experts", "name")])
def test_sort_relevance_without_q_is_the_default_order(get_json, url, default):
    assert get_json(f"{url}?sort=relevance&page_size=100") == get_json(f"{url}?sort={default}&page_size=100")


def test_experts_q_ranks_names_first(client):
    experts = [e["slug"] for e in client.get("/v1/experts?q=christophe").get_json()]
    assert set(experts[:3]) == {"christophe-asselin", "christophe-bisson", "christophe-thil"}
    assert [e["slug"] for e in client.get("/v1/experts?q=sorbonne").get_json()] == ["maria-mercanti-guerin"]


def test_search_answer_shape(client):
    body = client.get('/v1/search?q="micro et nano" influenceurs -tiktok OR instagram&literal=true').get_json()
    assert body["query"] == {
        "text": '"micro et nano" influenceurs -tiktok OR instagram',
        "operator": "AND",
        "clauses": [['"micro nano"'], ["influenceur", "instagram"]],
        "terms": ["influenceur", "instagram"],
        "phrases": [["micro", "nano"]],
        "prefixes": [],
        "excluded": ["tiktok"],
        "expansions": [],
        "relaxed": False,
        "ignored": [],
        "signals": {"words": {"hits": 2}, "meaning": None, "fusion": {"method": "reciprocal rank fusion", "k": 60}},
    }
    assert body["total"] == len(body["hits"]) == sum(body["facets"]["type"].values())
    hit = body["hits"][0]
    assert set(hit) == {"type", "slug", "number", "edition", "title", "url", "score", "signals", "snippets"}
    assert hit["signals"] == {"words": {"rank": 1, "score": hit["signals"]["words"]["score"]}, "meaning": None}


def test_search_returns_every_kind_ranked(client):
    body = client.get("/v1/search?q=splinternet&literal=true").get_json()
    assert [(h["type"], h["slug"]) for h in body["hits"]] == [
        ("keyword", "splinternet"),
        ("trend", "fragmentation-du-monde-et-splinternet"),
    ]
    assert body["hits"][0]["score"] >= body["hits"][1]["score"]
    # the keywords the trend hit is about, each counted once, ties in French order
    assert [k["slug"] for k in body["facets"]["keyword"]] == ["chine", "etats-unis", "splinternet", "tiktok"]
    assert body["facets"]["keyword"][2] == {
        "slug": "splinternet",
        "term": "splinternet",
        "url": api_url("/v1/keywords/splinternet"),
        "count": 1,
    }
    assert body["facets"]["expert"][0]["slug"] == "claire-renault"
    experts = client.get("/v1/search?q=digimind&type=expert").get_json()
    assert {h["slug"] for h in experts["hits"]} == {"christophe-asselin", "claire-renault", "kevin-merigot"}
    assert set(experts["facets"]["type"]) == {"expert"}
    # Keyword and expert facets count trend hits: none were asked for.
    assert experts["facets"]["keyword"] == experts["facets"]["expert"] == []


def test_search_pages_like_the_lists(client):
    first = client.get("/v1/search?q=influenceurs&page_size=3")
    assert len(first.get_json()["hits"]) == 3 and 'rel="next"' in first.headers["Link"]
    seen, url = [], "/v1/search?q=influenceurs&page_size=3"
    while url:
        response = client.get(url)
        seen += [(h["type"], h["slug"]) for h in response.get_json()["hits"]]
        url = {rel: u for u, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', response.headers["Link"])}.get("next")
    assert len(seen) == len(set(seen)) == first.get_json()["total"]
    assert client.get("/v1/search?q=influenceurs&page=99").get_json()["hits"] == []


def test_facets_beyond_the_sample_count_the_best_hits(uncached_client, monkeypatch):
    monkeypatch.setattr("api.search.semantic.TOP", 0)  # words alone: past the sample, meaning adds no hit (test_semantic.py)
    url = "/v1/search?q=influenceurs&page_size=100"
    everything = uncached_client.get(url).get_json()
    assert everything["facets"]["exhaustive"] is True
    monkeypatch.setattr("api.search.results.FACET_SAMPLE", 5)
    sampled = uncached_client.get(url.replace("100", "3")).get_json()
    # Counts by type and the total stay exact; keyword and expert facets count the 5 best hits.
    assert sampled["facets"]["exhaustive"] is False
    assert sampled["facets"]["type"] == everything["facets"]["type"]
    assert sampled["total"] == everything["total"] > 5
    best = [h for h in everything["hits"][:5] if h["type"] == "trend"]
    trends = [uncached_client.get(h["url"]).get_json() for h in best]
    by_expert = {}
    for trend in trends:
        by_expert[trend["expert"]["slug"]] = by_expert.get(trend["expert"]["slug"], 0) + 1
    assert {e["slug"]: e["count"] for e in sampled["facets"]["expert"]} == by_expert
    by_keyword = Counter(k["slug"] for t in trends for k in t["keywords"] if k["grade"] == "about")
    facet = {k["slug"]: k["count"] for k in sampled["facets"]["keyword"]}
    assert len(facet) == min(20, len(by_keyword)) and facet.items() <= by_keyword.items()
    # Pages inside and past the sample are slices of the one ranking.
    for page in (1, 2, 3):
        hits = uncached_client.get(f"{url.replace('100', '3')}&page={page}").get_json()["hits"]
        assert [h["slug"] for h in hits] == [h["slug"] for h in everything["hits"][(page - 1) * 3 : page * 3]]


def test_facets_are_the_most_counted_ties_in_alphabetical_order(uncached_client, monkeypatch):
    facets = uncached_client.get("/v1/search?q=influenceurs").get_json()["facets"]
    for name, label in (("keyword", "term"), ("expert", "name")):
        order = [(-f["count"], sort_key(f[label])) for f in facets[name]]
        assert order == sorted(order) and len({c for c, _ in order}) < len(order) <= 20
    monkeypatch.setattr("api.search.facets.FACET_SIZE", 3)
    top = uncached_client.get("/v1/search?q=influenceurs").get_json()["facets"]
    assert (top["keyword"], top["expert"]) == (facets["keyword"][:3], facets["expert"][:3])


def test_search_edition_filter(client):
    answer = client.get("/v1/search?q=splinternet&edition=2021").get_json()
    assert answer["query"]["signals"]["words"]["hits"] == 2 and {hit["edition"] for hit in answer["hits"]} <= {2021, None}
    assert_problem(client.get("/v1/search?q=splinternet&edition=2020"), 404)


# Hostile and odd input: results or a 422 problem, never a 500


@pytest.mark.parametrize(
    "q",
    [
        'a"b',
        "NEAR(",
        '"',
        '""',
        "*",
        "**",
        "-",
        "-x",
        "l'école",
        "(",
        ")",
        "AND",
        "OR",
        "NOT x",
        "OR OR",
        "x OR",
        "OR x",
        "\U0001f600",
        "e\u0301cole",
        "'; DROP TABLE trend; --",
        "^",
        "{}",
        "x:y",
        "title_terms:x",
        "\\",
        "%",
        "_",
        "a" * 500,
    ],
)
def test_odd_queries_never_fail(client, q):
    for url in ("/v1/search", "/v1/trends", "/v1/experts"):
        response = client.get(url, query_string={"q": q})
        assert response.status_code == 200, (url, q, response.get_data(as_text=True))


@pytest.mark.parametrize(
    "q, message",
    [
        ("x" * 501, "between 1 and 500"),
        ("a\x00b", "control characters"),
    ],
)
def test_a_query_its_schema_refuses_is_a_422_saying_why(client, q, message):
    body = assert_problem(client.get("/v1/search", query_string={"q": q}), 422)
    assert message.lower() in " ".join(body["errors"]["q"]).lower()


def test_exclusions_alone_find_nothing_and_say_so(get_json):
    body = get_json("/v1/search?q=-tiktok")
    assert body["hits"] == [] and body["total"] == 0
    assert body["query"]["clauses"] == [] and body["query"]["excluded"] == ["tiktok"]
    assert get_json("/v1/trends?q=-tiktok") == []


def test_words_past_the_sixteenth_are_not_searched_and_said(get_json):
    q = "influenceurs " + " ".join(["marque"] * 15) + " tiktok chine"
    body = get_json("/v1/search", query_string={"q": q, "literal": "true"})
    assert body["query"]["ignored"] == ["tiktok", "chine"] and body["total"] > 0


@pytest.mark.parametrize("url", ["/v1/search?q=la", "/v1/trends?q=la", "/v1/trends?q=la&literal=true", "/v1/experts?q=la%20le"])
def test_stop_words_alone_find_nothing_and_are_no_error(client, url):
    response = client.get(url)
    assert response.status_code == 200
    body = response.get_json()
    if url.startswith("/v1/search"):
        assert body["hits"] == [] and body["total"] == 0 and body["query"]["ignored"] == ["la"]
        assert body["facets"]["type"] == {"trend": 0, "expert": 0, "keyword": 0} and body["query"]["signals"]["meaning"] is None
    else:
        assert body == []


def test_a_query_over_500_characters_is_a_422(client):
    assert_problem(client.get("/v1/search", query_string={"q": "é" * 501}), 422)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(q=st.text(max_size=80))
def test_any_text_gives_results_or_a_422(client, q):
    for url in ("/v1/search", "/v1/trends"):
        response = client.get(url, query_string={"q": q})
        assert response.status_code in (200, 422), (q, response.get_data(as_text=True))
        body = response.get_json()
        assert body is not None
        if response.status_code == 422:
            assert body["status"] == 422 and "q" in body["errors"]


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    q=st.lists(
        st.sampled_from(
            [
                '"',
                "-",
                "OR",
                "*",
                "(",
                ")",
                "NEAR",
                "l'",
                "é",
                "influenceur",
                "réseaux",
                " ",
                "AND",
                ":",
                "^",
                "micro",
                "nano",
                "\u0301",
                "2021",
                "4.0",
            ]
        ),
        max_size=12,
    ).map("".join)
)
def test_fts_syntax_soup_gives_results_or_a_422(client, q):
    response = client.get("/v1/search", query_string={"q": q})
    assert response.status_code in (200, 422), (q, response.get_data(as_text=True))


def test_words_that_name_a_keyword_search_its_other_labels_in_either_language(client):
    body = client.get("/v1/search", query_string={"q": "artificial intelligence", "type": "trend"}).get_json()
    (expansion,) = body["query"]["expansions"]
    assert expansion["matched"] == "artificial intelligent"  # the words as analysed, side by side
    assert expansion["keyword"]["slug"] == "intelligence-artificielle"
    assert {"intelligence artificielle", "IA"} <= set(expansion["labels"])
    assert body["query"]["clauses"][0][:3] == ["artificial intelligent", '"intelligent artificiel"', "ia"]
    assert {8, 11, 21, 29} <= {hit["number"] for hit in body["hits"]}  # French trends answer an English query
    literal = client.get("/v1/search", query_string={"q": "artificial intelligence", "literal": "true"}).get_json()
    assert literal["total"] == 0 and literal["query"]["expansions"] == []


def test_trends_about_a_keyword_the_query_names_rank_higher(client):
    hits = client.get("/v1/search", query_string={"q": "intelligence artificielle", "type": "trend"}).get_json()["hits"]
    about = {t["number"] for t in client.get("/v1/trends?keyword=IA&keyword_grade=about").get_json()}
    by_words = sorted((hit for hit in hits if hit["signals"]["words"]), key=lambda hit: hit["signals"]["words"]["rank"])
    ranks = [hit["number"] in about for hit in by_words]
    assert ranks[: len(about)] == [True] * len(about)


def test_a_query_nothing_holds_whole_is_answered_with_any_of_its_words(client):
    body = client.get("/v1/search", query_string={"q": "splinternet sobriété", "type": "trend"}).get_json()
    assert body["query"]["relaxed"] is True and len(body["query"]["clauses"]) == 1  # one clause: any of them
    assert {"splinternet", "sobriet", '"fragment internet"'} <= set(body["query"]["clauses"][0])  # phrases kept whole
    assert sorted(hit["number"] for hit in body["hits"] if hit["signals"]["words"]) == [13, 30]
    assert client.get("/v1/search?q=xyzzy").get_json()["query"]["relaxed"] is False  # nothing to relax


def test_then_with_any_word_of_its_phrases(client):
    # "employee advocacy" is a label no text holds, nor any other label of it: their words then
    body = client.get("/v1/search", query_string={"q": "employee advocacy", "type": "trend"}).get_json()
    assert body["query"]["relaxed"] is True
    assert {"employe", "advocac", "ambassadeur"} <= set(body["query"]["clauses"][0])
    assert body["total"] > 0


def test_a_quoted_phrase_nothing_holds_is_answered_with_its_words(client):
    # one phrase is already "any of its alternatives": relaxing goes straight to its words
    body = client.get("/v1/search", query_string={"q": '"sobriété du splinternet"', "type": "trend"}).get_json()
    assert body["query"]["relaxed"] is True
    assert {"sobriet", "splinternet"} <= set(body["query"]["clauses"][0])
    assert sorted(hit["number"] for hit in body["hits"] if hit["signals"]["words"]) == [13, 30]
    literal = client.get("/v1/search", query_string={"q": '"sobriété du splinternet"', "literal": "true"}).get_json()
    assert literal["total"] == 0 and literal["query"]["relaxed"] is False


@pytest.mark.parametrize(
    "q, suggestions",
    [
        ("splintrnet", [{"word": "splintrnet", "suggestions": ["splinternet", "internet"]}]),
        (
            "téletravial covidd",
            [
                {"word": "teletravial", "suggestions": ["teletravail", "teletravailleur"]},
                {"word": "covidd", "suggestions": ["covid"]},
            ],
        ),
        ("xyzzy", [{"word": "xyzz", "suggestions": []}]),  # a term, as the analyser reads it
    ],
)
def test_a_search_that_finds_nothing_suggests_the_closest_words_the_index_holds(client, q, suggestions):
    body = client.get("/v1/search", query_string={"q": q}).get_json()
    assert body["query"]["signals"]["words"]["hits"] == 0 and body["suggestions"] == suggestions
    first = suggestions[0]["suggestions"]
    if first:  # a suggestion, searched as it is, finds something
        assert client.get("/v1/search", query_string={"q": first[0]}).get_json()["total"] > 0


def test_a_search_that_finds_something_suggests_nothing(client):
    assert client.get("/v1/search?q=sobriete").get_json()["suggestions"] == []


def without_scores(answer):
    """An answer with its scores left out: BM25's figures differ between the engines, not the hits."""
    hits = [
        {**hit, "score": None, "signals": {**hit["signals"], "words": {**hit["signals"]["words"], "score": None}}}
        for hit in answer["hits"]
    ]
    return {**answer, "hits": hits}


def test_the_documented_example_is_what_the_service_answers(client):
    from api.search.schemas import EXAMPLE

    assert EXAMPLE["answer"]["hits"], "an example with no hit shows nobody a snippet"
    assert without_scores(client.get(EXAMPLE["url"]).get_json()) == without_scores(EXAMPLE["answer"])
