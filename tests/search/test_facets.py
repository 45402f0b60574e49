"""A search's facets (api/search/facets.py): counted in memory from the links each worker keeps."""

from collections import Counter

import numpy as np

from api.analysis import sort_key
from api.cache import VERSION_KEY, request_version
from api.db import db
from api.models import Expert, Keyword, Trend, TrendKeyword
from api.search import facets
from tests.helpers import assert_query_count


def test_links_hold_every_trend_expert_and_about_keyword(app):
    with app.app_context():
        links = facets.read_links()
        trends = {trend.id: trend.expert_id for trend in Trend.select()}
        about = Counter((link.trend_id, link.keyword_id) for link in TrendKeyword.select().where(TrendKeyword.grade == "about"))
        experts = {expert.id: (expert.slug, expert.name) for expert in Expert.select()}
        keyword_ids = sorted(keyword.id for keyword in Keyword.select())
    assert links.trend_ids.tolist() == sorted(trends)
    assert links.expert_of.tolist() == [-1 if trends[t] is None else trends[t] for t in sorted(trends)]
    runs = {
        trend_id: links.about[links.about_starts[at] : links.about_starts[at + 1]].tolist()
        for at, trend_id in enumerate(links.trend_ids.tolist())
    }
    assert Counter((t, k) for t, ks in runs.items() for k in ks) == about and len(about) > 100
    assert links.keyword_ids.tolist() == keyword_ids and links.experts == experts


def test_ids_are_ordered_by_sort_key_as_python_orders_them_ties_by_id():
    # Rows come in any order (the database's collation may differ from Python's): "B" < "a" < "é" here.
    ids, order = facets.in_order([(7, None, "é"), (3, None, "a"), (5, None, "a"), (9, None, "B")])
    assert ids.tolist() == [3, 5, 7, 9]
    assert dict(zip(ids.tolist(), order.tolist(), strict=True)) == {9: 0, 3: 1, 5: 2, 7: 3}
    empty_ids, empty_order = facets.in_order([])
    assert len(empty_ids) == len(empty_order) == 0


def test_the_most_counted_come_first_ties_in_order(monkeypatch):
    known, order = np.array([1, 2, 3, 4]), np.array([3, 2, 1, 0])  # 4 first by name, then 3, 2, 1
    assert facets.most_counted(np.array([1, 2, 2, 3, 4, 1]), known, order) == [(2, 2), (1, 2), (4, 1), (3, 1)]
    monkeypatch.setattr(facets, "FACET_SIZE", 2)
    assert facets.most_counted(np.array([1, 2, 2, 3, 4, 1]), known, order) == [(2, 2), (1, 2)]
    assert facets.most_counted(np.array([], dtype=np.int64), known, order) == []


def test_facets_count_the_sampled_trends_without_a_statement(app):
    with app.app_context():
        version = request_version({}, db)
        trends = list(Trend.select().where(Trend.number.in_([10, 11, 13])))
        about = Counter(
            (link.keyword.slug, link.keyword.term)
            for link in TrendKeyword.select().where(TrendKeyword.trend.in_(trends), TrendKeyword.grade == "about")
        )
        by_expert = Counter((t.expert.slug, t.expert.name) for t in trends if t.expert is not None)
    with app.test_request_context("/v1/search", environ_base={VERSION_KEY: version}):
        facets.facets({}, [trends[0].id], True)  # the links, read once per data version
        with assert_query_count(0, least=0):
            found = facets.facets({"trend": 3}, [t.id for t in trends] * 2 + [10**9], False)  # repeated, and unknown
    assert found["type"] == {"trend": 3} and found["exhaustive"] is False
    keywords = {(f.slug, f.term): f.count for f in found["keyword"]}
    assert keywords.items() <= about.items() and len(keywords) == min(facets.FACET_SIZE, len(about)) and len(about) > 3
    assert max((count for key, count in about.items() if key not in keywords), default=0) <= min(keywords.values())
    assert {(f.slug, f.name): f.count for f in found["expert"]} == by_expert and len(by_expert) == 3
    order = [(-f.count, sort_key(f.term)) for f in found["keyword"]]
    assert order == sorted(order)


def test_no_trend_hit_no_facet(app):
    with app.test_request_context("/v1/search", environ_base={VERSION_KEY: "any"}), assert_query_count(0, least=0):
        assert facets.facets({"expert": 2}, [], True) == {"type": {"expert": 2}, "exhaustive": True, "keyword": [], "expert": []}
