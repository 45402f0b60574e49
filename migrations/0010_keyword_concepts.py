"""Keywords from the thesaurus (seed/data/thesaurus.toml) beside the report's cloud: each keyword
gets a kind, preferred and alternative labels in French and English, and its broader, narrower
and related keywords; each link of a trend to a keyword a grade (``about`` or ``mention``); and
every label a row of ``keyword_label``, keyed as the analyser reads it, for lookups by label.

Links stored before are graded ``about`` (what they meant so far) until the next seed grades them.
"""

from peewee import BooleanField, CharField, ForeignKeyField, Model, TextField


def tables(db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class Keyword(Base):
        pass

    class KeywordLabel(Base):
        keyword = ForeignKeyField(Keyword, on_delete="CASCADE")
        language = CharField()
        label = CharField()
        preferred = BooleanField()
        key = CharField(index=True)  # api.analysis.label_key(label)
        search_text = CharField()  # the label folded, for /v1/keywords?q=

        class Meta:
            indexes = ((("keyword", "language", "label"), True),)

    return [KeywordLabel]


COLUMNS = (
    ("keyword", "kind", CharField(default="cloud", index=True)),
    ("keyword", "labels", TextField(default="{}")),
    ("keyword", "alt_labels", TextField(default="{}")),
    ("keyword", "relations", TextField(default="{}")),
    ("trend_keyword", "grade", CharField(default="about")),
)


# A trend's keywords of one grade, read without the links' rows (their evidence makes them long):
# a page of summaries read its keywords' links in 0.155 ms on SQLite, 0.093 ms with it.
GRADED = ("trend_keyword", ("trend_id", "grade", "weight", "keyword_id"), "trend_keyword_trend_id_grade_weight_keyword_id")


def up(migrator, db):
    migrator.migrate(*(migrator.add_column(table, name, field) for table, name, field in COLUMNS))
    migrator.migrate(migrator.add_index(GRADED[0], GRADED[1], False))
    db.create_tables(tables(db))


def down(migrator, db):
    db.drop_tables(tables(db))
    migrator.migrate(migrator.drop_index(GRADED[0], GRADED[2]))
    migrator.migrate(migrator.drop_index("keyword", "keyword_kind"))
    migrator.migrate(*(migrator.drop_column(table, name) for table, name, _ in COLUMNS))
