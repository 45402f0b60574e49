"""The evaluation's metrics (bench/eval.py), on rankings worked out by hand."""

import math

import pytest

from bench.eval import Baseline, ndcg_at, precision_at, recall_at

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
