"""A search's answer: the hits of one page, with snippets, counts by type, and facets.

It takes a fixed number of statements, whatever the page holds: the ranking (with the count of
hits by type; SQLite counts apart when there are more hits than the sample), the facets'
counts, their rows, the rows of the page's hits (one per kind present) and their offsets.
"""

from dataclasses import dataclass

from peewee import SQL, fn

from ..db import db, in_ids
from ..models import Edition, Expert, Keyword, Trend, TrendKeyword
from ..schemas import href, trend_url
from . import index, snippets

KINDS = ("trend", "expert", "keyword")
FACET_SIZE = 20
SNIPPETS_PER_HIT = 3
# Keyword and expert facets count the trend hits among this many best hits: their cost stays
# bounded however many trends a common word matches (facets say when they are a sample).
FACET_SAMPLE = 1000


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


def results(search, kinds, edition_id, page, page_size):
    """The answer to a search: total, facets and one page of hits.

    The best ``FACET_SAMPLE`` hits (and one more, to know whether there are more) come with
    the count of every hit by type (:func:`api.search.index.best`). A page past the sample is
    read on its own.
    """
    best, counts = index.best(search, kinds, FACET_SAMPLE + 1, edition_id)
    exhaustive = len(best) <= FACET_SAMPLE
    best = best[:FACET_SAMPLE]
    total = sum(counts.values())
    start = (page - 1) * page_size
    if start + page_size <= len(best) or exhaustive or start >= total:  # past the end: no query
        window = best[start : start + page_size]
    else:
        window = list(index.ranked(search, kinds, edition_id).paginate(page, page_size))
    return total, facets(counts, best, exhaustive), hits(window, search)


def facets(counts, best, exhaustive):
    """Counts of all hits by type, and of the sampled trend hits by keyword and by expert (the
    ``FACET_SIZE`` most counted of each, ties in alphabetical order).

    Both counts come in one statement, then the rows counted, read by id in another: joining
    the counts to the tables made PostgreSQL read all of them (the planner prices a few hundred
    lookups above a scan), 10 ms for experts at 1,000 times the real report. Both are read as
    the driver gives them: through Peewee's rows they cost 4 ms more there.
    """
    trend_ids = [object_id for kind, object_id, _ in best if kind == "trend"]
    if not trend_ids:
        return {"type": counts, "exhaustive": exhaustive, "keyword": [], "expert": []}
    by_keyword = (
        TrendKeyword.select(SQL("'keyword'"), TrendKeyword.keyword, fn.COUNT(SQL("*")))
        .where(in_ids(TrendKeyword.trend, trend_ids))
        .group_by(TrendKeyword.keyword)
    )
    by_expert = (
        Trend.select(SQL("'expert'"), Trend.expert, fn.COUNT(SQL("*")))
        .where(in_ids(Trend.id, trend_ids), Trend.expert.is_null(False))
        .group_by(Trend.expert)
    )
    counted = {"keyword": {}, "expert": {}}
    for kind, row_id, count in db.execute(by_keyword + by_expert).fetchall():
        counted[kind][row_id] = count
    keywords = Keyword.select(SQL("'keyword'"), Keyword.id, Keyword.sort_term, Keyword.slug, Keyword.term)
    experts = Expert.select(SQL("'expert'"), Expert.id, Expert.sort_name, Expert.slug, Expert.name)
    rows = {"keyword": [], "expert": []}
    chosen = keywords.where(in_ids(Keyword.id, counted["keyword"])) + experts.where(in_ids(Expert.id, counted["expert"]))
    for kind, row_id, sort_key, slug, label in db.execute(chosen).fetchall():
        rows[kind].append((-counted[kind][row_id], sort_key, row_id, slug, label))
    return {
        "type": counts,
        "exhaustive": exhaustive,
        "keyword": [KeywordFacet(slug, term, -minus) for minus, _, _, slug, term in sorted(rows["keyword"])[:FACET_SIZE]],
        "expert": [ExpertFacet(slug, name, -minus) for minus, _, _, slug, name in sorted(rows["expert"])[:FACET_SIZE]],
    }


def hits(window, search):
    """The hits of a page of (kind, object_id, score), each with its snippets."""
    if not window:
        return []
    wanted = {kind: [object_id for k, object_id, _ in window if k == kind] for kind in KINDS}
    found = {kind: rows_of(kind, ids) if ids else {} for kind, ids in wanted.items()}
    offsets = index.stored_offsets((kind, object_id) for kind, object_id, _ in window)
    marker = snippets.marker(search)
    return [
        hit(kind, found[kind][object_id], round(score, 4), offsets.get((kind, object_id)), marker)
        for kind, object_id, score in window
        if object_id in found[kind]  # a seed may remove it between the statements
    ]


def rows_of(kind, ids):
    """The rows of some hits of one kind, by id: what a hit shows, and the texts its snippets
    come from (:func:`api.search.index.texts`)."""
    if kind == "trend":
        fields = (Trend.id, Trend.slug, Trend.number, Trend.title, Trend.subtitle, Trend.plain_text, Edition.id, Edition.year)
        query = Trend.select(*fields).join(Edition)
    elif kind == "expert":
        query = Expert.select(Expert.id, Expert.slug, Expert.name, Expert.organization, Expert.roles, Expert.bio)
    else:
        query = Keyword.select(Keyword.id, Keyword.slug, Keyword.term)
    return {row.id: row for row in query.where(in_ids(query.model.id, ids))}


def hit(kind, row, score, offsets, marker):
    if offsets is None:  # not stored yet: a database migrated but not seeded since
        offsets = snippets.offsets(index.tokens(kind, row).values())
    found = snippets.snippets(index.texts(kind, row), offsets, marker, SNIPPETS_PER_HIT)
    if kind == "trend":
        return {
            "type": kind,
            "slug": row.slug,
            "number": row.number,
            "edition": row.edition.year,
            "title": row.title,
            "url": trend_url(row),
            "score": score,
            "snippets": found,
        }
    title = row.name if kind == "expert" else row.term
    return {
        "type": kind,
        "slug": row.slug,
        "number": None,
        "edition": None,
        "title": title,
        "url": href(f"/{kind}s/{row.slug}"),
        "score": score,
        "snippets": found,
    }
