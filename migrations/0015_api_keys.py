"""API keys (api/keys.py): each key's name, the digest it is known by, its rate limit, its
expiry and revocation; and the requests each key made per day, when usage is counted in the
database (no Redis). Nothing here is the report's: a seed never touches these tables."""

from peewee import CharField, DateField, DateTimeField, ForeignKeyField, IntegerField, Model, TextField


def tables(db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class ApiKey(Base):
        name = CharField(max_length=64, unique=True)
        prefix = CharField(max_length=16)
        digest = CharField(max_length=64, unique=True)
        rate_limit = TextField()
        created = DateTimeField()
        expires = DateField(null=True)
        revoked = DateTimeField(null=True)
        last_used = DateTimeField(null=True)

    class ApiKeyUsage(Base):
        key = ForeignKeyField(ApiKey, on_delete="CASCADE")
        day = DateField()
        requests = IntegerField()

        class Meta:
            indexes = ((("key", "day"), True),)

    return [ApiKey, ApiKeyUsage]


def up(migrator, db):
    db.create_tables(tables(db))


def down(migrator, db):
    db.drop_tables(tables(db))
