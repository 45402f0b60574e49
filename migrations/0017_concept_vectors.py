"""The vectors of the thesaurus's concepts (the text a concept is embedded as: api/search/
semantic.py ``concept_text``), by text hash, as passages keep theirs: a seed embeds only the
concepts whose text (or model) changed, not every one of them each time. Written by the next seed."""

from peewee import BlobField, CharField, Model


def tables(db):
    class ConceptVector(Model):
        text_hash = CharField(unique=True)
        vector = BlobField()

        class Meta:
            database = db
            legacy_table_names = False

    return [ConceptVector]


def up(migrator, db):
    db.create_tables(tables(db))


def down(migrator, db):
    db.drop_tables(tables(db))
