"""The evaluation (bench/eval.py): its metrics on rankings worked out by hand, its goals, its judged sets."""

import math
import tomllib

import pytest

from api.analysis import sort_key
from api.search import semantic
from bench.eval import (
    GROUPS,
    HELD_OUT,
    JUDGED,
    JUDGED_SUGGESTIONS,
    SUGGESTION_COUNTS,
    SUGGESTION_FLOORS,
    Baseline,
    goals,
    load_judged,
    ndcg_at,
    precision_at,
    recall_at,
    suggestions_report,
)
from seed.loader import meaning_vectors, suggested

GRADES = {"3": 2, "7": 1, "9": 1}


def test_precision_and_recall_count_what_is_judged_relevant():
    ranking = ["3", "1", "9", "2", "4", "7"]
    assert precision_at(ranking, GRADES, 5) == 2 / 5
    assert recall_at(ranking, GRADES, 10) == 1.0
    assert recall_at(ranking[:2], GRADES, 10) == 1 / 3


def test_ndcg_is_1_for_the_ideal_order_and_less_otherwise():
    assert ndcg_at(["3", "7", "9"], GRADES, 10) == 1.0
    worse = ndcg_at(["7", "9", "3"], GRADES, 10)
    ideal = 3 / math.log2(2) + 1 / math.log2(3) + 1 / math.log2(4)
    assert worse == pytest.approx((1 / math.log2(2) + 1 / math.log2(3) + 3 / math.log2(4)) / ideal)
    assert ndcg_at([], GRADES, 10) == 0.0


def test_the_baseline_requires_every_word_and_keeps_phrases_whole():
    baseline = Baseline([("1", "Vidéos en direct", "", "le live"), ("2", "Direct", "", "une vidéo, puis en direct")])
    assert sorted(baseline.ranking({"group": "fr", "q": "vidéo direct"})) == ["1", "2"]
    assert baseline.ranking({"group": "phrase", "q": "vidéo en direct"}) == ["1"]  # Porter folds "vidéos"
    assert baseline.ranking({"group": "fr", "q": "live direct"}) == ["1"]


def test_goals_say_which_are_met():
    def row(group, ndcg, porter, empty=False):
        return {"group": group}, {"ndcg10": ndcg, "empty": empty}, {"ndcg10": porter}

    met = [met for _, met in goals([row("fr", 0.9, 0.6), row("en", 0.85, 0.5), row("phrase", 0.8, 0.6)])]
    assert met == [True, True, True, True, True]
    missed = [met for _, met in goals([row("fr", 0.9, 0.9), row("en", 0.7, 0.5), row("phrase", 0.8, 0.6, empty=True)])]
    assert missed == [False, False, False, True, False]  # 0.80 overall, below Porter's 0.67 + 0.15


@pytest.mark.parametrize("path", [JUDGED, *HELD_OUT])
def test_judged_sets_grade_trends_of_the_report_in_every_group(path):
    queries, _ = load_judged(path)
    assert {query["group"] for query in queries} == set(GROUPS)
    for query in queries:
        assert query["relevant"] and set(query["relevant"].values()) <= {1, 2}, query["id"]
        assert all(1 <= int(number) <= 38 for number in query["relevant"]), query["id"]


def test_the_held_out_queries_are_none_of_the_others():
    sets = [load_judged(path)[0] for path in (JUDGED, *HELD_OUT)]
    texts = [{sort_key(q["q"]) for q in queries} for queries in sets]
    assert sum(map(len, texts)) == len(set().union(*texts))  # no query in two sets
    ids = [q["id"] for queries in sets for q in queries]
    assert len(set(ids)) == len(ids)


def judged_suggestions():
    with open(JUDGED_SUGGESTIONS, "rb") as file:
        return tomllib.load(file)["pair"]


def test_judged_suggestions_grade_each_pair_of_a_concept_and_a_trend_once(seeded_report):
    concepts = {k.slug for k in seeded_report.keywords if k.thesaurus}
    numbers = {t.number for t in seeded_report.trends}
    pairs = judged_suggestions()
    assert len({(pair["keyword"], pair["trend"]) for pair in pairs}) == len(pairs)
    for pair in pairs:
        assert pair["keyword"] in concepts and pair["trend"] in numbers and pair["grade"] in (0, 1, 2) and pair["why"]


def test_every_trend_a_keyword_would_suggest_is_judged(app, seeded_report):
    # make eval's precision of each floor and count then covers all their suggestions
    with app.app_context():
        vectors, _ = meaning_vectors(seeded_report)
    widest = suggested(seeded_report, vectors, min(SUGGESTION_FLOORS), max(SUGGESTION_COUNTS))
    judged = {(pair["keyword"], pair["trend"]) for pair in judged_suggestions()}
    assert {(k.slug, number) for k, number, _, _ in widest} <= judged


def test_the_eval_scores_the_service_s_suggestions(app):
    with app.app_context():
        lines = suggestions_report().splitlines()
    served = [line.split() for line in lines if line.endswith("(the service's)")]
    assert len(served) == 1
    floor, count, suggested_count, keywords, unjudged = served[0][:5]
    assert (float(floor), int(count)) == (semantic.SUGGESTION_FLOOR, semantic.SUGGESTIONS)
    assert int(suggested_count) > 0 and int(unjudged) == 0
