"""The full-text index, queried the same way on SQLite (FTS5) and PostgreSQL (tsvector + GIN).

Both hold the analysed terms of ``search_entry`` rows (seed/loader.py), built by migration
0003, and both receive expressions rebuilt from analysed terms (api/search/syntax.py): the same words
match on both engines. Scores are BM25 on both, title words weighing more than body words;
higher is better. SQLite ranks with FTS5's ``bm25``; PostgreSQL with the same formula over
``search_term`` (migration 0006), an inverted index holding each term's IDF and its weight in
every entry that has it: a search of words reads one row per word, never the entries'
documents (a phrase is checked against their tsvectors). A search of words (with OR and
exclusions) gets the same hits, scores and order on both engines. FTS5 scores a phrase, or a
prefix, as one unit; PostgreSQL as the sum of its words' scores (a prefix: of every word it
starts, as if they were ORed). Hits are the same; scores and order can differ, the more so as
a prefix starts many words. Words the analyser splits ("covid-19", "b2b") are phrases.
"""

from peewee import SQL, Case, NodeList, Select, fn
from playhouse.sqlite_ext import FTS5Model, SearchField

from ..db import db, is_postgres
from ..models import SearchEntry
from .syntax import MAX_CLAUSES

# BM25 weight of title words against body words (1.0). PostgreSQL's index holds weights made
# with it: a change needs a migration that calls search_reindex (migration 0006).
TITLE_WEIGHT = 5.0


class SearchIndex(FTS5Model):
    """SQLite's FTS5 table over search_entry (external content, kept in step by triggers)."""

    title_terms = SearchField()
    body_terms = SearchField()

    class Meta:
        database = db
        table_name = "search_fts"


def reindex():
    """Rebuild PostgreSQL's ``search_term`` from the search entries (SQLite's FTS5 index
    follows them by itself, through triggers)."""
    if is_postgres():
        db.execute_sql("SELECT search_reindex(%s)", (TITLE_WEIGHT,))


def matches(query, kinds=None, edition_id=None, scored=True):
    """The hits of a parsed query as rows of ``kind``, ``object_id`` and ``score``; usable as
    a subquery to join on ``object_id``.

    :param kinds: restrict to these kinds (trend, expert, keyword)
    :param edition_id: restrict trends to one edition (experts and keywords stay)
    :param scored: False when only counting: scores may then be left out (0)
    """
    if is_postgres():
        sql, params = postgres_hits(query, kinds, edition_id)
        source = NodeList((SQL(f"({sql})", params), SQL("AS hit")))
        return Select([source], [SQL("kind"), SQL("object_id"), SQL("score")]).bind(db)
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


EXCLUDED = 1 << MAX_CLAUSES  # above every clause's bit: an entry holding an excluded word cannot match


def postgres_hits(query, kinds, edition_id):
    """SQL (and its parameters) selecting ``kind``, ``object_id`` and ``score`` of every hit
    of ``query``, from the ``search_term`` inverted index.

    Each positive clause is a bit; every term of its alternatives (a prefix: every term it
    starts) carries that bit. An entry matches when the terms it holds carry every clause's
    bit, and no excluded word's. A phrase needs its words in a row, which only the entries'
    tsvectors know: its words then bring in candidates that the tsquery checks.
    """
    parts, params = [], []

    def terms_of(alternative, bit):
        if alternative.prefix:
            pattern = alternative.terms[0].replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            parts.append("SELECT %s AS bit, idf, entries, weights FROM search_term WHERE term LIKE %s")
            params.extend((bit, pattern))
            return
        for term in dict.fromkeys(alternative.terms):
            parts.append("SELECT %s AS bit, idf, entries, weights FROM search_term WHERE term = %s")
            params.extend((bit, term))

    for number, alternatives in enumerate(query.clauses):
        for alternative in alternatives:
            terms_of(alternative, 1 << number)
    for alternative in query.excluded:
        if alternative.prefix or len(alternative.terms) == 1:
            terms_of(alternative, EXCLUDED)
    where = []
    if kinds:
        where.append(f"u.entry_id & 3 IN ({', '.join(str(SearchEntry.KIND_CODES[k]) for k in kinds)})")
    if edition_id is not None:
        where.append(
            "(u.entry_id & 3 <> 0 OR u.entry_id IN (SELECT id FROM search_entry WHERE kind = 'trend' AND edition_id = %s))"
        )
        params.append(edition_id)
    params.append((1 << len(query.clauses)) - 1)
    checked = ""
    if any(len(a.terms) > 1 for a in (*(a for c in query.clauses for a in c), *query.excluded)):
        checked = "WHERE entry_id IN (SELECT id FROM search_entry WHERE document @@ to_tsquery('simple', %s))"
        params.append(query.tsquery())
    kind = " ".join(f"WHEN {code} THEN '{name}'" for name, code in SearchEntry.KIND_CODES.items())
    sql = f"""WITH term AS ({" UNION ALL ".join(parts)}),
        hit AS (
            SELECT u.entry_id, sum(term.idf * u.weight) AS score
            FROM term, unnest(term.entries, term.weights) AS u(entry_id, weight)
            {"WHERE " + " AND ".join(where) if where else ""}
            GROUP BY u.entry_id
            HAVING bit_or(term.bit) = %s
        )
        SELECT CASE entry_id & 3 {kind} END AS kind, entry_id >> 2 AS object_id, score FROM hit {checked}"""
    return sql, params


def ranked(query, kinds, edition_id):
    """Every hit as (kind, object_id, score), best first, ties in a stable order."""
    return matches(query, kinds, edition_id).order_by(SQL("score").desc(), SQL("kind"), SQL("object_id")).tuples()


def best(query, kinds, limit, edition_id=None):
    """The ``limit`` best hits as (kind, object_id, score), and the number of hits of each kind.

    PostgreSQL counts in the ranking query (its hits cost the same to count as to rank);
    SQLite counts, when there are more hits than ``limit``, in a query that skips scores.
    """
    counts = dict.fromkeys(kinds, 0)
    if is_postgres():
        rows = ranked(query, kinds, edition_id)
        totals = [fn.COUNT(SQL("*")).filter(SQL("kind") == kind).over() for kind in kinds]
        found = list(rows.select_extend(*totals).limit(limit))
        counts.update(zip(kinds, found[0][3:], strict=True) if found else ())
        return [row[:3] for row in found], counts
    found = list(ranked(query, kinds, edition_id).limit(limit))
    if len(found) < limit:
        for kind, _, _ in found:
            counts[kind] += 1
        return found, counts
    hits = matches(query, kinds, edition_id, scored=False)
    counts.update(hits.select_from(hits.c.kind, fn.COUNT(SQL("*"))).group_by(hits.c.kind).tuples())
    return found, counts


def filter_by_search(query, model, search, kind, rank=True):
    """Keep the rows of ``query`` (over ``model``) that match ``search``; most relevant first
    when ``rank``, else in the query's own order."""
    hits = matches(search, [kind]).alias("hits")
    query = query.switch(model).join(hits, on=(hits.c.object_id == model.id))
    return query.order_by(hits.c.score.desc(), model.id) if rank else query
