"""GET /v1/trends, /v1/trends/{number_or_slug} and its related trends."""

import pytest

from api.search import semantic
from tests.helpers import assert_problem, assert_query_count, api_url


def numbers(items):
    return [item["number"] for item in items]


def test_list_trends_in_number_order_with_summaries(get_json):
    items = get_json("/v1/trends?page_size=100")
    assert numbers(items) == list(range(1, 39))
    item = items[4]
    assert item["title"] == "TikTok & B2B : expérimentation obligatoire en 2021 !"
    assert item["expert"] == {
        "slug": "guillaume-terrien",
        "name": "Guillaume Terrien",
        "url": api_url("/v1/experts/guillaume-terrien"),
    }
    # the keywords it is about, strongest link first (equal weights in French order)
    assert [k["slug"] for k in item["keywords"]] == ["b2b", "tiktok", "tiktok-b2b", "chine", "video", "reseaux-sociaux"]
    assert item["keywords"][2] == {"slug": "tiktok-b2b", "term": "TikTok & B2B", "url": api_url("/v1/keywords/tiktok-b2b")}
    assert item["url"] == api_url("/v1/trends/tiktok-b2b-experimentation-obligatoire-en-2021?edition=2021")
    assert item["edition"]["year"] == 2021
    assert 250 <= len(item["excerpt"]) <= 301 and item["excerpt"].endswith("…")
    assert item["reading_time_minutes"] == 3 and item["word_count"] == 618


def test_list_trends_pages_in_sql_without_n_plus_1(uncached_client):
    with assert_query_count(7):  # data version, edition, count, page ids, page rows, keywords
        response = uncached_client.get("/v1/trends?page_size=100")
    assert response.status_code == 200


@pytest.mark.parametrize("keyword", ["splinternet", "Splinternet", "SPLINTERNET"])
def test_keyword_splinternet_returns_13_alone(get_json, keyword):
    assert numbers(get_json(f"/v1/trends?keyword={keyword}")) == [13]


@pytest.mark.parametrize("keyword", ["TikTok %26 B2B", "tiktok-b2b", "tiktok %26 b2b"])
def test_keyword_by_term_or_slug_gives_the_same_result(get_json, keyword):
    assert numbers(get_json(f"/v1/trends?keyword={keyword}")) == [5]


@pytest.mark.parametrize(
    "keyword",
    [
        "intelligence-artificielle",
        "intelligence artificielle",
        "IA",
        "AI",
        "artificial intelligence",
        "Intelligences artificielles",
    ],
)
def test_a_keyword_is_looked_up_by_any_label_in_either_language(get_json, keyword):
    assert numbers(get_json(f"/v1/trends?keyword={keyword}")) == numbers(get_json("/v1/trends?keyword=intelligence-artificielle"))


@pytest.mark.parametrize("keyword", ["confinements", "lockdown", "Lockdowns"])
def test_plurals_and_english_labels_name_the_cloud_terms_too(get_json, keyword):
    assert numbers(get_json(f"/v1/trends?keyword={keyword}")) == numbers(get_json("/v1/trends?keyword=confinement"))


def test_keyword_grade_about_keeps_the_trends_about_it(get_json):
    every = numbers(get_json("/v1/trends?keyword=tiktok&page_size=100"))
    about = numbers(get_json("/v1/trends?keyword=tiktok&keyword_grade=about&page_size=100"))
    assert set(about) < set(every)
    for number in every:
        grade = next(k["grade"] for k in get_json(f"/v1/trends/{number}")["keywords"] if k["slug"] == "tiktok")
        assert (number in about) == (grade == "about")


def test_keyword_accents_do_not_matter(get_json):
    assert numbers(get_json("/v1/trends?keyword=sobriete")) == numbers(get_json("/v1/trends?keyword=sobriété")) == [30]


def test_match_any_is_the_union_and_all_the_intersection(get_json):
    influence = set(numbers(get_json("/v1/trends?keyword=influence-marketing")))
    micro = set(numbers(get_json("/v1/trends?keyword=micro-et-nano")))
    both = "/v1/trends?keyword=influence-marketing&keyword=micro-et-nano"
    assert set(numbers(get_json(both + "&match=any"))) == influence | micro
    assert set(numbers(get_json(both + "&match=all"))) == influence & micro == {11}
    assert numbers(get_json(both)) == [11]  # all is the default


def test_comma_separated_keywords_are_like_repeated_ones(get_json):
    assert get_json("/v1/trends?keyword=influence-marketing,micro-et-nano&match=any") == get_json(
        "/v1/trends?keyword=influence-marketing&keyword=micro-et-nano&match=any"
    )


def test_spaces_around_commas_do_not_count(get_json):
    assert numbers(get_json("/v1/trends?keyword=influence-marketing , micro-et-nano&match=any")) == [10, 11]


@pytest.mark.parametrize("value", ["splinternet\n", "\tsplinternet", "splinternet,\x0b", "splinternet\x85"])
def test_control_characters_around_a_keyword_are_a_422(client, value):
    # Only spaces are trimmed around commas: a control character is refused, as everywhere else.
    body = assert_problem(client.get("/v1/trends", query_string={"keyword": value}), 422, "control characters")
    assert list(body["errors"]) == ["keyword"]


@pytest.mark.parametrize("query", ["keyword=", "keyword=splinternet&keyword=", "exclude_keyword=", "keyword=,", "keyword=%20"])
def test_an_empty_keyword_is_a_422(client, query):
    body = assert_problem(client.get(f"/v1/trends?{query}"), 422, "Must not be empty")
    assert list(body["errors"]) == [query.split("=")[0]]


def test_more_than_20_keyword_values_is_a_422(client):
    body = assert_problem(client.get("/v1/trends", query_string=[("keyword", "zoom")] * 21), 422, "20")
    assert list(body["errors"]) == ["keyword"]


def test_twenty_values_may_name_more_keywords_comma_separated(get_json):
    names = ",".join(["zoom", "splinternet", "tiktok-b2b"] * 30)  # 90 names, 3 keywords
    assert [t["number"] for t in get_json("/v1/trends", query_string={"keyword": names[:200], "match": "any"})]


def test_an_unknown_expert_gives_an_empty_list(client):
    response = client.get("/v1/trends?expert=nobody")
    assert response.status_code == 200 and response.get_json() == []
    assert '"total": 0' in response.headers["X-Pagination"]


@pytest.mark.parametrize(
    ("query", "name", "message"),
    [
        ("keyword=no-such-keyword", "keyword", 'No keyword "no-such-keyword". See /v1/keywords.'),
        (
            "keyword=splinternet&keyword=splinternt&match=any",
            "keyword",
            'No keyword "splinternt". Did you mean: splinternet, site-web, shoptainment?',
        ),
        ("exclude_keyword=covd", "exclude_keyword", 'No keyword "covd". Did you mean: covid-19?'),
        ("keyword=influensers", "keyword", 'No keyword "influensers". Did you mean: influenceurs, influence-marketing?'),
    ],
)
def test_an_unknown_keyword_is_a_404_naming_it_with_suggestions(client, query, name, message):
    response = client.get(f"/v1/trends?{query}")
    body = assert_problem(response, 404, message)
    assert body["errors"] == {name: [message]} and body["type"] == "/problems/not-found"


def test_unknown_keywords_are_named_twenty_at_most(client):
    names = ",".join(f"zq{chr(97 + i)}{chr(97 + j)}" for i in range(5) for j in range(6))  # 30 names, 149 characters
    body = assert_problem(client.get("/v1/trends", query_string={"keyword": names}), 404, "30 keywords name none")
    assert len(body["errors"]["keyword"]) == 20


def test_keyword_names_cost_no_statement_once_read(client):
    client.get("/v1/trends?keyword=zoom")  # this worker reads the names at this data version
    # the data version; the page and its total; the summaries
    with assert_query_count(3, least=3) as statements:
        assert client.get("/v1/trends?keyword=splinternet&keyword=Zoom&match=any").status_code == 200
    assert not any("keyword_label" in statement for statement in statements)
    # both parameters resolved together, suggestions included: the data version only
    with assert_query_count(1, least=1):
        assert client.get("/v1/trends?keyword=splinternet&keyword=nope&exclude_keyword=zoom").status_code == 404


def test_suggestions_go_to_the_first_three_unknown_keywords_only(client):
    response = client.get("/v1/trends?keyword=splinternt,zom,confinemen,tiktoc&match=any")
    messages = assert_problem(response, 404)["errors"]["keyword"]
    assert [message.endswith("See /v1/keywords.") for message in messages] == [False, False, False, True]


def test_a_short_value_is_not_suggested_every_keyword_holding_it(client):
    message = assert_problem(client.get("/v1/trends?keyword=ab"), 404)["errors"]["keyword"][0]
    assert message == 'No keyword "ab". Did you mean: abm?'  # a close spelling, not the dozens of labels holding "ab"
    message = assert_problem(client.get("/v1/trends?keyword=zq"), 404)["errors"]["keyword"][0]
    assert message == 'No keyword "zq". See /v1/keywords.'


# "marketing -influenceurs": two trends tie (ranks 2 and 4 by words, 4 and 2 by meaning), in the words' order
@pytest.mark.parametrize(
    "q", ["influenceurs", "privacy", "réseaux sociaux -tiktok", "artificial intelligence", "gaming", "marketing -influenceurs"]
)
def test_q_finds_the_trends_a_search_finds_in_its_order(get_json, q):
    searched = get_json(f"/v1/search?q={q}&type=trend&page_size=100")
    listed = get_json(f"/v1/trends?q={q}&page_size=100")
    assert numbers(listed) == [hit["number"] for hit in searched["hits"]]


def test_q_finds_trends_by_meaning_that_no_word_finds(get_json):
    q = "protection de la vie privée des internautes"
    by_meaning = [hit["number"] for hit in get_json(f"/v1/search?q={q}&type=trend")["hits"] if hit["signals"]["words"] is None]
    assert by_meaning and set(by_meaning) <= set(numbers(get_json(f"/v1/trends?q={q}&page_size=100")))
    assert not set(by_meaning) & set(numbers(get_json(f"/v1/trends?q={q}&literal=true&page_size=100")))


def test_q_keeps_the_lists_filters_and_orders(get_json):
    found = set(numbers(get_json("/v1/trends?q=influenceurs&page_size=100")))
    kept = numbers(get_json("/v1/trends?q=influenceurs&keyword=tiktok&sort=number&page_size=100"))
    tiktok = set(numbers(get_json("/v1/trends?keyword=tiktok&page_size=100")))
    assert kept == sorted(found & tiktok) and kept


def test_exclude_keyword(get_json):
    excluded = set(numbers(get_json("/v1/trends?keyword=confinement")))
    kept = numbers(get_json("/v1/trends?exclude_keyword=confinement&page_size=100"))
    assert len(kept) == 38 - len(excluded) and not excluded & set(kept)


def test_filter_by_expert(get_json):
    assert numbers(get_json("/v1/trends?expert=nicolas-celic")) == [22, 23, 24]
    assert numbers(get_json("/v1/trends?expert=quentin-liot&keyword=reseaux-commerciaux")) == [16]


def test_sort_by_number_descending(get_json):
    assert numbers(get_json("/v1/trends?sort=-number&page_size=3")) == [38, 37, 36]


def test_sort_by_title_is_french_aware(get_json):
    titles = [t["title"] for t in get_json("/v1/trends?sort=title&page_size=100")]
    # "Éduquer" sorts with the E's, not after "Woke"; digits first.
    assert titles[0].startswith("2021 :")
    assert (
        titles.index("Empowerment 4.0 : les nouvelles armureries numériques")
        == titles.index(next(t for t in titles if t.startswith("Éduquer"))) + 1
    )
    assert titles[-1] == "Woke washing et quête de la sincérité"
    assert [t["title"] for t in get_json("/v1/trends?sort=-title&page_size=100")] == titles[::-1]


def test_edition_filter(client, get_json):
    assert len(get_json("/v1/trends?edition=2021&page_size=100")) == 38
    assert_problem(client.get("/v1/trends?edition=2020"), 404, "No edition 2020")


@pytest.mark.parametrize(
    "query, parameter",
    [
        ("match=some", "match"),
        ("sort=date", "sort"),
        ("edition=abc", "edition"),
        ("edition=99999", "edition"),
        ("keyword=a" + "&keyword=a" * 20, "keyword"),
        ("expert=" + "x" * 201, "expert"),
    ],
)
def test_invalid_parameters_give_422_naming_them(client, query, parameter):
    body = assert_problem(client.get(f"/v1/trends?{query}"), 422)
    assert list(body["errors"]) == [parameter]
    assert parameter in body["detail"]


@pytest.mark.parametrize("key", ["13", "fragmentation-du-monde-et-splinternet"])
def test_get_trend_by_number_or_slug(get_json, key):
    trend = get_json(f"/v1/trends/{key}")
    assert trend["number"] == 13 and trend["slug"] == "fragmentation-du-monde-et-splinternet"
    assert [s["heading"] for s in trend["sections"]] == [
        None,
        "Vue depuis la fenêtre du marketing",
        "Un protectionnisme numérique à risques",
        "Quelles solutions ?",
    ]
    assert trend["sections"][0]["blocks"][1]["kind"] == "bullet"
    assert trend["keywords"][0] == {
        "slug": "splinternet",
        "term": "splinternet",
        "url": api_url("/v1/keywords/splinternet"),
        "weight": 1.0,
        "location": "title",
        "evidence": "Fragmentation du monde et Splinternet",
        "grade": "about",
    }
    grades = [k["grade"] for k in trend["keywords"]]
    assert grades == sorted(grades) and "mention" in grades  # every keyword it names, those it is about first
    assert trend["edition"] == {
        "year": 2021,
        "title": "Social Media et Marketing Digital : l'avis des experts",
        "url": api_url("/v1/editions/2021"),
    }
    assert trend["plain_text"].startswith("Ces derniers mois, la fragmentation du cyberspace")
    assert trend["related_url"] == api_url("/v1/trends/fragmentation-du-monde-et-splinternet/related?edition=2021")


def test_trend_detail_has_footnotes_links_html_and_credit(get_json):
    trend = get_json("/v1/trends/38")
    assert trend["footnotes"][0] == {
        "number": 1,
        "text": "Etude CSA pour LinkedIn France mars 2020 https://bit.ly/2ZJAx4o",
        "html": 'Etude CSA pour LinkedIn France mars 2020 <a href="https://bit.ly/2ZJAx4o">https://bit.ly/2ZJAx4o</a>',
        "urls": ["https://bit.ly/2ZJAx4o"],
    }
    assert get_json("/v1/trends/18")["image_credit"] == '© from Series "Re:Birth" par Thomas Olliver'
    blocks = [b for s in get_json("/v1/trends/16")["sections"] for b in s["blocks"]]
    assert blocks[0]["html"] == (
        "L'année 2021 marquera peut-être définitivement la fin de l'appellation des <strong>réseaux dits sociaux</strong>."
    )


def test_trend_detail_takes_three_queries_after_the_edition(uncached_client):
    with assert_query_count(6):
        assert uncached_client.get("/v1/trends/11").status_code == 200


@pytest.mark.parametrize("key", ["99", "0", "no-such-trend", "99999999999999999999999", "../../etc/passwd", "１３"])
def test_unknown_trend_is_a_404_problem(client, key):
    assert_problem(client.get(f"/v1/trends/{key}"), 404)


def test_related_trends_rank_shared_keywords_first(get_json):
    related = get_json("/v1/trends/13/related?page_size=100")
    mine = {k["slug"] for k in get_json("/v1/trends/13")["keywords"] if k["grade"] == "about"}
    assert related[0]["number"] == 5
    assert [k["slug"] for k in related[0]["shared_keywords"]] == ["tiktok", "chine"]
    for trend in related:  # keywords both are about
        theirs = {k["slug"] for k in trend["keywords"]}
        assert {k["slug"] for k in trend["shared_keywords"]} == mine & theirs
    shared = [len(r["shared_keywords"]) for r in related]
    assert shared == sorted(shared, reverse=True)
    assert 13 not in [r["number"] for r in related]


def test_among_as_many_shared_keywords_the_closest_by_meaning_come_first_then_by_words(get_json):
    related = get_json("/v1/trends/13/related?page_size=100")
    assert len(related) >= semantic.NEIGHBOURS  # its closest by meaning at least
    by_meaning = [r for r in related if r["meaning_similarity"] is not None]
    assert len(by_meaning) == semantic.NEIGHBOURS and all(-1 <= r["meaning_similarity"] <= 1 for r in by_meaning)
    for count in {len(r["shared_keywords"]) for r in related}:
        group = [r for r in related if len(r["shared_keywords"]) == count]
        closest = [r["meaning_similarity"] for r in group if r["meaning_similarity"] is not None]
        assert [r["meaning_similarity"] for r in group[: len(closest)]] == sorted(closest, reverse=True)
        rest = [r["similarity"] for r in group[len(closest) :]]
        assert rest == sorted(rest, reverse=True) and all(0 <= s <= 1 for s in rest)


def test_related_by_meaning_is_symmetric_where_both_keep_each_other(get_json):
    mine = {r["number"]: r["meaning_similarity"] for r in get_json("/v1/trends/13/related?page_size=100")}
    both = 0
    for number, similarity in mine.items():
        theirs = {r["number"]: r["meaning_similarity"] for r in get_json(f"/v1/trends/{number}/related?page_size=100")}
        if similarity is not None and theirs.get(13) is not None:
            assert theirs[13] == similarity
            both += 1
    assert both >= 3


def test_related_of_unknown_trend_is_a_404(client):
    assert_problem(client.get("/v1/trends/404/related"), 404)
