"""The full-text index, queried the same way on SQLite (FTS5) and PostgreSQL (tsvector + GIN).

Both hold the analysed terms of ``search_entry`` rows (seed/loader.py), built by migration
0003, and both receive expressions rebuilt from analysed terms (api/query.py): the same words
match on both engines. Scores are each engine's own (BM25 on SQLite, length-normalised
``ts_rank`` on PostgreSQL), title words weighing more than body words; higher is better. The
hits are the same on both; their order agrees on clear cases, not to the last decimal.
"""

from peewee import SQL, Case, NodeList, fn
from playhouse.sqlite_ext import FTS5Model, SearchField

from .db import db, is_postgres
from .models import SearchEntry

TITLE_WEIGHT = 5.0  # BM25 weight of title words against body words (1.0)


class SearchIndex(FTS5Model):
    """SQLite's FTS5 table over search_entry (external content, kept in step by triggers)."""

    title_terms = SearchField()
    body_terms = SearchField()

    class Meta:
        database = db
        table_name = "search_fts"


def matches(query, kinds=None, edition_id=None, scored=True):
    """The hits of a parsed query as rows of ``kind``, ``object_id`` and ``score``; usable as
    a subquery to join on ``object_id``.

    :param kinds: restrict to these kinds (trend, expert, keyword)
    :param edition_id: restrict trends to one edition (experts and keywords stay)
    :param scored: False when only counting: every score is then 0, and nothing is ranked
    """
    if is_postgres():
        tsquery = fn.to_tsquery(SQL("'simple'::regconfig"), query.tsquery())
        # Normalisation 1 divides by 1 + log(length), as BM25 favours short documents: a
        # keyword's one-word entry then ranks as on SQLite.
        score = fn.ts_rank(SQL("document"), tsquery, 1) if scored else SQL("0")
        rows = SearchEntry.select(
            SearchEntry.kind.alias("kind"), SearchEntry.object_id.alias("object_id"), score.alias("score")
        ).where(NodeList((SQL("document"), SQL("@@"), tsquery)))
        if kinds:
            rows = rows.where(SearchEntry.kind.in_(list(kinds)))
        if edition_id is not None:
            rows = rows.where((SearchEntry.kind != "trend") | (SearchEntry.edition_id == edition_id))
        return rows
    # The index alone: its rowids are search_entry ids, which pack the kind (SearchEntry.id_for).
    code = SearchIndex.rowid.bin_and(3)
    kind = Case(code, [(number, name) for name, number in SearchEntry.KIND_CODES.items()])
    score = SearchIndex.bm25(TITLE_WEIGHT, 1.0) * -1 if scored else SQL("0")
    rows = SearchIndex.select(kind.alias("kind"), (SearchIndex.rowid / 4).alias("object_id"), score.alias("score")).where(
        SearchIndex.match(query.fts5())
    )
    if kinds:
        rows = rows.where(code.in_([SearchEntry.KIND_CODES[k] for k in kinds]))
    if edition_id is not None:
        in_edition = SearchEntry.select(SearchEntry.id).where(SearchEntry.kind == "trend", SearchEntry.edition_id == edition_id)
        rows = rows.where((code != SearchEntry.KIND_CODES["trend"]) | SearchIndex.rowid.in_(in_edition))
    return rows


def filter_by_search(query, model, search, kind, rank=True):
    """Keep the rows of ``query`` (over ``model``) that match ``search``; most relevant first
    when ``rank``, else in the query's own order."""
    hits = matches(search, [kind]).alias("hits")
    query = query.switch(model).join(hits, on=(hits.c.object_id == model.id))
    return query.order_by(hits.c.score.desc(), model.id) if rank else query
