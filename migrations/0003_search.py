"""The full-text search index: one entry per trend, expert and keyword, holding analysed terms
(api/analysis.py), indexed by SQLite FTS5 or by a PostgreSQL tsvector with a GIN index."""

from peewee import CharField, IntegerField, Model, PostgresqlDatabase, TextField

# FTS5 with external content: these triggers keep the index in step with search_entry.
TRIGGERS = (
    """CREATE TRIGGER search_entry_ai AFTER INSERT ON search_entry BEGIN
      INSERT INTO search_fts(rowid, title_terms, body_terms) VALUES (new.id, new.title_terms, new.body_terms);
    END""",
    """CREATE TRIGGER search_entry_ad AFTER DELETE ON search_entry BEGIN
      INSERT INTO search_fts(search_fts, rowid, title_terms, body_terms)
      VALUES ('delete', old.id, old.title_terms, old.body_terms);
    END""",
    """CREATE TRIGGER search_entry_au AFTER UPDATE ON search_entry BEGIN
      INSERT INTO search_fts(search_fts, rowid, title_terms, body_terms)
      VALUES ('delete', old.id, old.title_terms, old.body_terms);
      INSERT INTO search_fts(rowid, title_terms, body_terms) VALUES (new.id, new.title_terms, new.body_terms);
    END""",
)


def tables(db):
    class SearchEntry(Model):
        kind = CharField()  # trend, expert, keyword
        object_id = IntegerField()
        edition_id = IntegerField(null=True)  # trends only
        title_terms = TextField()
        body_terms = TextField()

        class Meta:
            database = db
            legacy_table_names = False
            indexes = ((("kind", "object_id"), True), (("kind", "edition_id"), False))

    return [SearchEntry]


def up(migrator, db):
    # Experts are now found through the index; the folded copy of their name goes.
    migrator.migrate(migrator.drop_column("expert", "search_text"))
    db.create_tables(tables(db))
    if isinstance(db, PostgresqlDatabase):
        # Title words weigh more than body words (A > B); 'simple' adds no language rules of its
        # own: the analysed terms are already lowercase, accent-folded, stemmed French.
        db.execute_sql(
            "ALTER TABLE search_entry ADD COLUMN document tsvector GENERATED ALWAYS AS ("
            "setweight(to_tsvector('simple', title_terms), 'A') || "
            "setweight(to_tsvector('simple', body_terms), 'B')) STORED"
        )
        db.execute_sql("CREATE INDEX search_entry_document ON search_entry USING GIN (document)")
    else:
        db.execute_sql(
            "CREATE VIRTUAL TABLE search_fts USING fts5("
            "title_terms, body_terms, content='search_entry', content_rowid='id', tokenize='unicode61')"
        )
        for trigger in TRIGGERS:
            db.execute_sql(trigger)


def down(migrator, db):
    if not isinstance(db, PostgresqlDatabase):
        db.execute_sql("DROP TABLE search_fts")
    db.drop_tables(tables(db))
    migrator.migrate(migrator.add_column("expert", "search_text", TextField(default="")))
