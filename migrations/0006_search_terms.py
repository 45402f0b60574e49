"""PostgreSQL: rank search hits from an inverted index of the search entries, as FTS5 does.

``ts_rank`` reads the whole tsvector of every hit: on a report 1,000 times the real one, a
common word's 30,000 hits cost 160 ms of detoasting before the best one is known. Here each
term holds, in one row, the ids of the entries that have it and the BM25 weight it has in each
(the term-frequency part of FTS5's bm25, title words counting ``title_weight`` times), and its
IDF: a query reads one row per term and sums, without touching the entries. The numbers are
FTS5's own (k1 = 1.2, b = 0.75, IDF floored at 1e-6), so a search of words ranks and scores
alike on both engines (api/fulltext.py).

The weights depend on every entry (IDF, average length): ``search_reindex`` rebuilds the whole
table from ``search_entry``; a seed calls it when search entries change (seed/loader.py), in
its transaction, so readers see the old index or the new one, never a mix. The price: such a
seed rewrites the whole index (79 MiB and 21 s at 1,000 times the real report; autovacuum
reclaims the old rows). Terms compare in the "C" collation: byte order, so that a prefix search
is a range of the primary key. Terms of 2,048 bytes or more are left out, as ``to_tsvector``
leaves them out: no index entry holds them.
"""

from peewee import PostgresqlDatabase

# Title words weighed five times body words when this migration was written (TITLE_WEIGHT in
# the app's index module). Frozen here, as migrations are: they import nothing from the app.
TITLE_WEIGHT = 5.0

REINDEX = """
CREATE OR REPLACE FUNCTION search_reindex(title_weight float8) RETURNS void LANGUAGE sql AS $$
    DELETE FROM search_term;
    INSERT INTO search_term (term, idf, entries, weights)
    WITH entry AS (
        SELECT id, string_to_array(nullif(title_terms, ''), ' ') AS title, string_to_array(nullif(body_terms, ''), ' ') AS body
        FROM search_entry
    ), sized AS (
        SELECT id, title, body, coalesce(cardinality(title), 0) + coalesce(cardinality(body), 0) AS length FROM entry
    ), totals AS (
        SELECT count(*)::float8 AS entries, sum(length)::float8 / greatest(count(*), 1) AS average_length FROM sized
    ), posting AS (
        SELECT s.id, token.term, sum(CASE WHEN token.in_title THEN title_weight ELSE 1 END) AS frequency, s.length
        FROM sized s, LATERAL (SELECT unnest(s.title) AS term, true AS in_title UNION ALL SELECT unnest(s.body), false) token
        WHERE octet_length(token.term) < 2048  -- as to_tsvector: longer words fit no index entry
        GROUP BY s.id, token.term, s.length
    )
    -- FTS5's bm25 (fts5_aux.c): IDF, and the term-frequency factor of each entry
    SELECT p.term,
           greatest(ln((t.entries - count(*) + 0.5) / (count(*) + 0.5)), 1e-6),
           array_agg(p.id ORDER BY p.id),
           array_agg(p.frequency * (k1 + 1) / (p.frequency + k1 * (1 - b + b * p.length / t.average_length)) ORDER BY p.id)
    FROM posting p, totals t, (VALUES (1.2::float8, 0.75::float8)) AS bm25(k1, b)
    GROUP BY p.term, t.entries
$$
"""


def up(migrator, db):
    if isinstance(db, PostgresqlDatabase):
        db.execute_sql(
            'CREATE TABLE search_term (term text COLLATE "C" PRIMARY KEY, idf float8 NOT NULL, '
            "entries integer[] NOT NULL, weights float8[] NOT NULL)"
        )
        db.execute_sql(REINDEX)
        db.execute_sql("SELECT search_reindex(%s)", (TITLE_WEIGHT,))


def down(migrator, db):
    if isinstance(db, PostgresqlDatabase):
        db.execute_sql("DROP FUNCTION search_reindex(float8)")
        db.execute_sql("DROP TABLE search_term")
