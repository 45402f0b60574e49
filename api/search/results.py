"""A search's answer: the hits of one page, with snippets, counts by type, and facets."""

from peewee import SQL, fn

from ..db import db, in_ids
from ..models import Expert, Keyword, Trend, TrendKeyword
from ..schemas import href, trend_url
from . import index, snippets

KINDS = ("trend", "expert", "keyword")
FACET_SIZE = 20
SNIPPETS_PER_HIT = 3
# Keyword and expert facets count the trend hits among this many best hits: their cost stays
# bounded however many trends a common word matches (facets say when they are a sample).
FACET_SAMPLE = 1000


def facets(counts, best, exhaustive):
    """Counts of all hits by type, and of the sampled trend hits by keyword and by expert."""
    trend_ids = [object_id for kind, object_id, _ in best if kind == "trend"]
    if not trend_ids:
        return {"type": counts, "exhaustive": exhaustive, "keyword": [], "expert": []}
    by_keyword = (
        TrendKeyword.select(TrendKeyword.keyword, fn.COUNT(SQL("*")))
        .where(in_ids(TrendKeyword.trend, trend_ids))
        .group_by(TrendKeyword.keyword)
    )
    by_expert = (
        Trend.select(Trend.expert, fn.COUNT(SQL("*")))
        .where(in_ids(Trend.id, trend_ids), Trend.expert.is_null(False))
        .group_by(Trend.expert)
    )
    return {
        "type": counts,
        "exhaustive": exhaustive,
        "keyword": most_counted(Keyword, Keyword.sort_term, by_keyword),
        "expert": most_counted(Expert, Expert.sort_name, by_expert),
    }


def most_counted(model, sort_field, counted):
    """The ``FACET_SIZE`` rows of ``model`` with the highest counts (``counted`` selects id
    and count), ties in ``sort_field`` order, each with its ``count``.

    Chosen from the ids and sort keys alone, then the chosen rows read by id: joining the
    counts to the table made PostgreSQL read all of it (the planner prices a few hundred
    lookups above a scan), 10 ms for experts at 1,000 times the real report. Ids and keys
    are read as the driver gives them: through Peewee's rows they cost 4 ms more there."""
    counts = dict(db.execute(counted).fetchall())
    keys = dict(db.execute(model.select(model.id, sort_field).where(in_ids(model.id, counts))).fetchall())
    chosen = sorted(keys, key=lambda row_id: (-counts[row_id], keys[row_id], row_id))[:FACET_SIZE]
    rows = {row.id: row for row in model.select().where(in_ids(model.id, chosen))}
    for row_id, row in rows.items():
        row.count = counts[row_id]
    return [rows[row_id] for row_id in chosen if row_id in rows]  # a seed may remove one meanwhile


def results(search, kinds, edition_id, page, page_size):
    """The answer to a search: total, facets and one page of hits.

    The best ``FACET_SAMPLE`` hits (and one more, to know whether there are more) come with
    the count of every hit by type (:func:`api.search.index.best`). A page past the sample is read
    on its own.
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


def hits(window, search):
    """The hits of a page of (kind, object_id, score), each with its snippets (one query per
    kind present, and one for the offsets of their words)."""
    wanted = {kind: [object_id for k, object_id, _ in window if k == kind] for kind in KINDS}
    queries = {"trend": Trend.listing(full=True), "expert": Expert.select(), "keyword": Keyword.select()}
    found = {
        kind: {row.id: row for row in queries[kind].where(queries[kind].model.id.in_(ids))} if ids else {}
        for kind, ids in wanted.items()
    }
    offsets = index.stored_offsets((kind, object_id) for kind, object_id, _ in window)
    marker = snippets.marker(search)
    return [
        hit(kind, found[kind][object_id], round(score, 4), offsets.get((kind, object_id)), marker)
        for kind, object_id, score in window
        if object_id in found[kind]  # a seed may remove it between the statements
    ]
