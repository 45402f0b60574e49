"""The index's own vocabulary, for spelling suggestions when a search finds nothing: on SQLite a
read-only ``fts5vocab`` view of the FTS5 index (one row per term; it stores nothing); PostgreSQL's
``search_term`` already holds one row per term.
"""

from peewee import SqliteDatabase


def up(migrator, db):
    if isinstance(db, SqliteDatabase):
        db.execute_sql("CREATE VIRTUAL TABLE search_vocabulary USING fts5vocab(search_fts, row)")


def down(migrator, db):
    if isinstance(db, SqliteDatabase):
        db.execute_sql("DROP TABLE search_vocabulary")
