"""Where each word of a search entry's texts stands, so that snippets are cut without analysing
the texts again at each request: one row per search entry (same id), its offsets as
api/search/snippets.py writes them. The seed fills it, those of entries already stored included.
"""

from peewee import IntegerField, Model, TextField


def tables(db):
    class SearchOffsets(Model):
        id = IntegerField(primary_key=True)  # the search entry's
        offsets = TextField()

        class Meta:
            database = db
            legacy_table_names = False

    return [SearchOffsets]


def up(migrator, db):
    db.create_tables(tables(db))


def down(migrator, db):
    db.drop_tables(tables(db))
