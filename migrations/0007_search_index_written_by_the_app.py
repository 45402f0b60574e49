"""The search index is written by the app alone (api/search/index.py, in the seed's transaction):
SQLite's triggers that copied search_entry into the FTS5 table (0003) and PostgreSQL's function
that rebuilt search_term (0006) go. Nothing else changes: the tables and what they hold stay.

``down`` puts them back, as they were written then (frozen copies).
"""

from peewee import PostgresqlDatabase

TRIGGERS = {
    "search_entry_ai": """CREATE TRIGGER search_entry_ai AFTER INSERT ON search_entry BEGIN
      INSERT INTO search_fts(rowid, title_terms, body_terms) VALUES (new.id, new.title_terms, new.body_terms);
    END""",
    "search_entry_ad": """CREATE TRIGGER search_entry_ad AFTER DELETE ON search_entry BEGIN
      INSERT INTO search_fts(search_fts, rowid, title_terms, body_terms)
      VALUES ('delete', old.id, old.title_terms, old.body_terms);
    END""",
    "search_entry_au": """CREATE TRIGGER search_entry_au AFTER UPDATE ON search_entry BEGIN
      INSERT INTO search_fts(search_fts, rowid, title_terms, body_terms)
      VALUES ('delete', old.id, old.title_terms, old.body_terms);
      INSERT INTO search_fts(rowid, title_terms, body_terms) VALUES (new.id, new.title_terms, new.body_terms);
    END""",
}

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
        db.execute_sql("DROP FUNCTION IF EXISTS search_reindex(float8)")
    else:
        for name in TRIGGERS:
            db.execute_sql(f"DROP TRIGGER IF EXISTS {name}")


def down(migrator, db):
    if isinstance(db, PostgresqlDatabase):
        db.execute_sql(REINDEX)
    else:
        for trigger in TRIGGERS.values():
            db.execute_sql(trigger)
