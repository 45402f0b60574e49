"""PostgreSQL: keep title and body words apart in the search document, as FTS5 keeps its columns.

Joining two tsvectors with || puts the first body word right after the last title word, so the
phrase "last-title-word first-body-word" matched on PostgreSQL and not on SQLite. A separator
lexeme after the title (one the analyser cannot produce: it splits letters from digits) keeps
them two positions apart. Nothing changes on SQLite.
"""

from peewee import PostgresqlDatabase

SEPARATOR = "0sep0"
DOCUMENT = (
    "setweight(to_tsvector('simple', title_terms || ' {separator}'), 'A') || setweight(to_tsvector('simple', body_terms), 'B')"
)


def rebuild(db, expression):
    db.execute_sql("DROP INDEX IF EXISTS search_entry_document")
    db.execute_sql("ALTER TABLE search_entry DROP COLUMN document")
    db.execute_sql(f"ALTER TABLE search_entry ADD COLUMN document tsvector GENERATED ALWAYS AS ({expression}) STORED")
    db.execute_sql("CREATE INDEX search_entry_document ON search_entry USING GIN (document)")


def up(migrator, db):
    if isinstance(db, PostgresqlDatabase):
        rebuild(db, DOCUMENT.format(separator=SEPARATOR))


def down(migrator, db):
    if isinstance(db, PostgresqlDatabase):
        rebuild(db, "setweight(to_tsvector('simple', title_terms), 'A') || setweight(to_tsvector('simple', body_terms), 'B')")
