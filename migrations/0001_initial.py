"""The report's tables: editions, experts, links, trends, sections, keywords, and metadata.

Frozen copies of the models as they were when this migration was written; later changes to
api/models.py need a new migration, never an edit here.
"""

from peewee import (
    CharField,
    FloatField,
    ForeignKeyField,
    IntegerField,
    Model,
    PostgresqlDatabase,
    TextField,
)


def tables(db):
    # PostgreSQL sorts text by its locale (spaces ignored, hyphens weighed late); the sort keys
    # must order byte by byte there as they do on SQLite, hence COLLATE "C".
    c_collation = '"C"' if isinstance(db, PostgresqlDatabase) else None

    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class Edition(Base):
        year = IntegerField(unique=True)
        title = TextField()
        subtitle = TextField()
        publisher = CharField()
        language = CharField()
        editor = CharField(null=True)
        introduction = TextField()
        source_url = TextField(null=True)
        content_hash = CharField()

    class Expert(Base):
        slug = CharField(unique=True)
        name = CharField()
        name_original = CharField()
        sort_name = CharField(index=True, collation=c_collation)
        search_text = TextField()
        organization = CharField(null=True)
        organization_key = CharField(null=True, index=True)
        roles = TextField()
        bio = TextField()
        trend_count = IntegerField(default=0)

    class ExpertLink(Base):
        expert = ForeignKeyField(Expert, on_delete="CASCADE")
        position = IntegerField()
        kind = CharField()
        url = TextField()

        class Meta:
            indexes = ((("expert", "position"), True),)

    class Trend(Base):
        edition = ForeignKeyField(Edition, on_delete="CASCADE")
        number = IntegerField()
        slug = CharField()
        title = TextField()
        subtitle = TextField(null=True)
        sort_title = TextField(collation=c_collation)
        expert = ForeignKeyField(Expert, null=True, on_delete="SET NULL")
        excerpt = TextField()
        plain_text = TextField()
        word_count = IntegerField()
        reading_time_minutes = IntegerField()
        footnotes = TextField()
        links = TextField()
        image_credit = TextField(null=True)

        class Meta:
            indexes = (
                (("edition", "number"), True),
                (("edition", "slug"), True),
                (("edition", "sort_title"), False),
                (("expert", "edition", "number"), False),
            )

    class Section(Base):
        trend = ForeignKeyField(Trend, on_delete="CASCADE")
        position = IntegerField()
        heading = TextField(null=True)
        level = IntegerField()
        blocks = TextField()

        class Meta:
            indexes = ((("trend", "position"), True),)

    class Keyword(Base):
        slug = CharField(unique=True)
        term = CharField()
        sort_term = CharField(index=True, collation=c_collation)
        search_text = CharField()
        trend_count = IntegerField(default=0)

    class TrendKeyword(Base):
        trend = ForeignKeyField(Trend, on_delete="CASCADE")
        keyword = ForeignKeyField(Keyword, on_delete="CASCADE")
        weight = FloatField()
        evidence = TextField()
        location = CharField()

        class Meta:
            indexes = (
                (("trend", "keyword"), True),
                (("keyword", "weight"), False),
            )

    class Metadata(Base):
        key = CharField(primary_key=True)
        value = TextField()

    return [Edition, Expert, ExpertLink, Trend, Section, Keyword, TrendKeyword, Metadata]


def up(migrator, db):
    db.create_tables(tables(db))


def down(migrator, db):
    db.drop_tables(tables(db))
