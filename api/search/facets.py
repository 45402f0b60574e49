"""A search's facets: how many of its trend hits are about each keyword and by each expert.

They are counted by each worker, with no statement, from the links it reads once per data
version (:data:`LINKS`): every trend's expert, the keywords every trend is about, and the order
of keywords and experts by name. The statement they replaced (a count grouped by keyword and by
expert, with the rows counted) cost a cold search 0.8 ms of its 8 on PostgreSQL; counting the 31
trends "réseaux sociaux" finds takes 0.06 ms in memory. A keyword's slug and term are the
worker's keyword names (api/keywords/names.py); an expert's are kept here.
"""

from dataclasses import dataclass
from operator import itemgetter

import numpy as np
from flask import request

from ..cache import PerVersion, request_version
from ..db import db, rows
from ..keywords.names import names

FACET_SIZE = 20  # keywords, and experts, a search's facets name at most: the most counted


@dataclass(frozen=True)
class KeywordFacet:
    slug: str
    term: str
    count: int  # trend hits about it


@dataclass(frozen=True)
class ExpertFacet:
    slug: str
    name: str
    count: int  # trend hits by them


@dataclass(frozen=True)
class Links:
    """What facets count, as arrays: trends by id, with their expert (-1 for none) and the run
    of keywords each is about; keywords and experts by id, with their place in alphabetical
    order (of their sort key, then id: ties in a facet are named in that order)."""

    trend_ids: np.ndarray  # sorted
    expert_of: np.ndarray  # of each trend
    about_starts: np.ndarray  # where each trend's run of ``about`` starts (and one past the last)
    about: np.ndarray  # keyword ids
    keyword_ids: np.ndarray  # sorted
    keyword_order: np.ndarray  # of each keyword
    expert_ids: np.ndarray  # sorted
    expert_order: np.ndarray  # of each expert
    experts: dict  # expert id -> (slug, name)


def read_links():
    """The stored :class:`Links`, in one statement (a seed between two would mix two versions)."""
    trends, about, keywords, experts = [], [], [], []
    by_kind = {"trend": trends, "about": about, "keyword": keywords, "expert": experts}
    for kind, *row in rows(
        "SELECT 'trend', id, expert_id, NULL, NULL, NULL FROM trend "
        "UNION ALL SELECT 'about', trend_id, keyword_id, NULL, NULL, NULL FROM trend_keyword WHERE grade = 'about' "
        "UNION ALL SELECT 'keyword', id, NULL, sort_term, NULL, NULL FROM keyword "
        "UNION ALL SELECT 'expert', id, NULL, sort_name, slug, name FROM expert"
    ):
        by_kind[kind].append(row)
    trends.sort(key=itemgetter(0))
    trend_ids = np.array([trend_id for trend_id, *_ in trends], dtype=np.int64)
    about.sort(key=itemgetter(0))
    about_trends = np.array([trend_id for trend_id, *_ in about], dtype=np.int64)
    return Links(
        trend_ids=trend_ids,
        expert_of=np.array([-1 if expert_id is None else expert_id for _, expert_id, *_ in trends], dtype=np.int64),
        about_starts=np.searchsorted(about_trends, np.append(trend_ids, np.iinfo(np.int64).max)),
        about=np.array([keyword_id for _, keyword_id, *_ in about], dtype=np.int64),
        **dict(zip(("keyword_ids", "keyword_order"), in_order(keywords), strict=True)),
        **dict(zip(("expert_ids", "expert_order"), in_order(experts), strict=True)),
        experts={expert_id: (slug, name) for expert_id, _, _, slug, name in experts},
    )


def in_order(found):
    """Ids (sorted) and the place of each in the order of ``(sort key, id)``, from rows
    ``(id, _, sort key, ...)``: Python's order of strings, whatever the database's collation."""
    ids = np.array(sorted(row[0] for row in found), dtype=np.int64)
    order = np.empty(len(ids), dtype=np.int64)
    by_name = sorted(found, key=lambda row: (row[2], row[0]))
    order[np.searchsorted(ids, [row[0] for row in by_name])] = np.arange(len(ids))
    return ids, order


LINKS = PerVersion(read_links)


def facets(counts, trend_ids, exhaustive):
    """Counts of all hits by type, and of the trend hits ``trend_ids`` (the sample) by keyword
    they are about and by expert: the ``FACET_SIZE`` most counted of each, ties in
    alphabetical order. A trend the links do not hold (seeded away since the ranking) counts
    for nothing."""
    if not trend_ids:
        return {"type": counts, "exhaustive": exhaustive, "keyword": [], "expert": []}
    links = LINKS.at(request_version(request.environ, db))
    wanted = np.unique(np.array(trend_ids, dtype=np.int64))
    at = np.searchsorted(links.trend_ids, wanted)
    at = at[links.trend_ids[np.minimum(at, len(links.trend_ids) - 1)] == wanted] if len(links.trend_ids) else at[:0]
    starts, lengths = links.about_starts[at], links.about_starts[at + 1] - links.about_starts[at]
    about = links.about[np.repeat(starts - np.cumsum(lengths) + lengths, lengths) + np.arange(lengths.sum())]
    experts = links.expert_of[at]
    keyword = names().keywords
    return {
        "type": counts,
        "exhaustive": exhaustive,
        "keyword": [
            KeywordFacet(keyword[found].slug, keyword[found].term, count)
            for found, count in most_counted(about, links.keyword_ids, links.keyword_order)
            if found in keyword
        ],
        "expert": [
            ExpertFacet(*links.experts[found], count)
            for found, count in most_counted(experts[experts >= 0], links.expert_ids, links.expert_order)
        ],
    }


def most_counted(ids, known, order):
    """``[(id, count), ...]`` of the ``FACET_SIZE`` ids most frequent in ``ids``, ties in
    ``order`` (of the ``known`` ids, sorted)."""
    found, counts = np.unique(ids, return_counts=True)
    ranked = np.lexsort((order[np.searchsorted(known, found)], -counts))[:FACET_SIZE]
    return [(int(found[i]), int(counts[i])) for i in ranked]
