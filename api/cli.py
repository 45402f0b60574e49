"""flask commands of the app: ``flask db upgrade`` / ``flask db status``, ``flask spec``, ``flask examples``
and ``flask keys create`` / ``list`` / ``revoke``.

``flask seed`` is the seed package's own (seed/cli.py): the app never imports the seed.
"""

from contextlib import contextmanager
from pathlib import Path

import click
from flask import Blueprint, current_app
from peewee import DatabaseError

from .config import ROOT
from .db import create_sqlite_file, db, migration_runner, without_statement_timeout

cli = Blueprint("cli", __name__, cli_group=None)


@cli.cli.group("db")
def db_group():
    """Database schema commands."""


@db_group.command("upgrade")
def upgrade():
    """Apply the migrations not yet applied (recorded in the schema_migration table)."""
    create_sqlite_file(current_app.config["DATABASE_URL"])  # before connecting: the app never creates one
    runner = migration_runner()
    try:
        with db.connection_context():
            without_statement_timeout()
            applied = runner.up()
    except DatabaseError as error:
        raise click.ClickException(f"the migration failed and was rolled back: {error}") from None
    click.echo(f"Applied {', '.join(applied)}." if applied else "Schema up to date: nothing to apply.")


@db_group.command("status")
def status():
    """List migrations and whether each is applied."""
    runner = migration_runner()
    with db.connection_context():
        for migration in runner.status():
            state = f"applied {migration.applied:%Y-%m-%d %H:%M}" if migration.applied else "pending"
            click.echo(f"{migration.name}: {state}")


@cli.cli.command("spec")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path), default=ROOT / "openapi.yaml")
def spec(path):
    """Write the OpenAPI document the app serves as readable YAML (default: openapi.yaml)."""
    import yaml

    class Dumper(yaml.SafeDumper):
        def ignore_aliases(self, data):  # repeated examples written out, not as &id001 anchors
            return True

    def text(dumper, data):  # descriptions of several lines as literal blocks
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style="|" if "\n" in data else None)

    Dumper.add_representer(str, text)

    document = current_app.extensions["flask-smorest"]["apis"][""]["ext_obj"].spec.to_dict()
    path.write_text(yaml.dump(document, Dumper=Dumper, allow_unicode=True, sort_keys=False, width=120), encoding="utf-8")
    click.echo(f"Wrote {path}.")


@cli.cli.command("examples")
def examples():
    """Record the documentation's example search (api/search/example.json) from this database's
    answer: run it on a database seeded with the report (`make openapi` does), then `flask spec`.
    Its URLs are written under the default ``PUBLIC_URL``, as every example of the docs, whatever
    this environment's."""
    import json

    from .schemas import EXAMPLE_URL
    from .search.schemas import EXAMPLE

    response = current_app.test_client().get(EXAMPLE["url"])
    if response.status_code != 200 or not response.get_json()["hits"]:
        raise click.ClickException(f"{EXAMPLE['url']} found nothing here: seed the report first (flask seed)")
    path = Path(__file__).parent / "search" / "example.json"
    answer = json.loads(response.get_data(as_text=True).replace(current_app.config["PUBLIC_URL"], EXAMPLE_URL))
    text = json.dumps({"url": EXAMPLE["url"], "answer": answer}, ensure_ascii=False, indent=1)
    path.write_text(f"{text}\n", encoding="utf-8")
    click.echo(f"Recorded {EXAMPLE['url']} in {path.relative_to(ROOT)}.")


@cli.cli.group("keys")
def keys_group():
    """API keys: each gives the clients that send it a rate limit of its own (api/keys.py)."""


@keys_group.command("create")
@click.argument("name")
@click.option("--limit", "rate_limit", required=True, help="The key's rate limit: 10000/hour, 100/minute;5000/day...")
@click.option("--expires", type=click.DateTime(formats=["%Y-%m-%d"]), help="The last day (UTC) the key works.")
def create_key(name, rate_limit, expires):
    """Make a key named NAME and print it, once: only its digest is stored."""
    from . import keys

    with keys_database():
        try:
            key = keys.create(name, rate_limit, expires.date() if expires else None)
        except ValueError as error:
            raise click.ClickException(str(error)) from None
    click.echo(key)
    click.echo(f"Key {name!r} created ({rate_limit}). Keep it now: it is not stored and cannot be shown again.", err=True)


@keys_group.command("list")
def list_keys():
    """List the keys: name, prefix, limit, created, last used, expiry, revoked (UTC times)."""
    from redis.exceptions import RedisError

    from .keys import usage_store
    from .models import ApiKey
    from .ratelimit import shared_storage

    with keys_database():
        rows = list(ApiKey.select().order_by(ApiKey.name))
        usage = usage_store(db.obj, shared_storage(current_app.config["RATE_LIMIT_STORAGE_URL"]))
        try:
            last_used = usage.last_used(rows)
        except RedisError as error:
            raise click.ClickException(f"the usage store (Redis) does not answer: {error}") from None

    def shown(when, *, day=False):
        return "-" if when is None else f"{when:%Y-%m-%d}" if day else f"{when:%Y-%m-%d %H:%M}"

    table = [("NAME", "PREFIX", "LIMIT", "CREATED", "LAST USED", "EXPIRES", "REVOKED")]
    for key in rows:
        times = (shown(key.created), shown(last_used[key.id]), shown(key.expires, day=True), shown(key.revoked))
        table.append((key.name, key.prefix, key.rate_limit, *times))
    widths = [max(len(row[column]) for row in table) for column in range(len(table[0]))]
    for row in table:
        click.echo("  ".join(value.ljust(width) for value, width in zip(row, widths, strict=True)).rstrip())


@keys_group.command("revoke")
@click.argument("name")
def revoke_key(name):
    """Revoke the key named NAME: within seconds, every request sending it is a 401."""
    from . import keys

    with keys_database():
        try:
            revoked = keys.revoke(name)
        except LookupError as error:
            raise click.ClickException(str(error)) from None
    click.echo(f"Key {name!r} revoked." if revoked else f"Key {name!r} was revoked already.")


@contextmanager
def keys_database():
    """A connection for a ``keys`` command, its database errors said in one line."""
    try:
        with db.connection_context():
            yield
    except DatabaseError as error:
        raise click.ClickException(f"{error} (has the database been migrated? flask db upgrade)") from None
