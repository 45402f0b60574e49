"""Passages of each trend with the vector of their meaning, for search by meaning
(api/search/semantic.py): written by the next seed."""

from peewee import BlobField, CharField, ForeignKeyField, IntegerField, Model


def tables(db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class Trend(Base):
        pass

    class Passage(Base):
        trend = ForeignKeyField(Trend, on_delete="CASCADE")
        position = IntegerField()
        field = CharField()
        span_start = IntegerField()
        span_end = IntegerField()
        text_hash = CharField(index=True)
        vector = BlobField()

        class Meta:
            indexes = ((("trend", "position"), True),)

    return [Passage]


def up(migrator, db):
    db.create_tables(tables(db))


def down(migrator, db):
    db.drop_tables(tables(db))
