"""Distinctive words of each trend, for "related trends" ranked by text similarity."""

from peewee import CharField, FloatField, ForeignKeyField, Model


def tables(db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class Trend(Base):
        pass

    class TrendTerm(Base):
        trend = ForeignKeyField(Trend, on_delete="CASCADE")
        term = CharField()
        weight = FloatField()

        class Meta:
            indexes = (
                (("trend", "term"), True),
                (("term", "trend"), False),
            )

    return [TrendTerm]


def up(migrator, db):
    db.create_tables(tables(db))


def down(migrator, db):
    db.drop_tables(tables(db))
