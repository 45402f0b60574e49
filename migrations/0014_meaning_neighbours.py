"""Each trend's closest trends by meaning, and the trends close to a concept of the thesaurus
that its labels do not name (api/search/semantic.py): written by the next seed."""

from peewee import FloatField, ForeignKeyField, Model, TextField


def tables(db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class Trend(Base):
        pass

    class Keyword(Base):
        pass

    class TrendNeighbour(Base):
        trend = ForeignKeyField(Trend, on_delete="CASCADE")
        neighbour = ForeignKeyField(Trend, backref="+", on_delete="CASCADE")
        similarity = FloatField()

        class Meta:
            indexes = ((("trend", "neighbour"), True),)

    class KeywordSuggestion(Base):
        keyword = ForeignKeyField(Keyword, on_delete="CASCADE")
        trend = ForeignKeyField(Trend, backref="+", on_delete="CASCADE")
        similarity = FloatField()
        passage = TextField()

        class Meta:
            indexes = ((("keyword", "trend"), True),)

    return [TrendNeighbour, KeywordSuggestion]


def up(migrator, db):
    db.create_tables(tables(db))


def down(migrator, db):
    db.drop_tables(tables(db))
