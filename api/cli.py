"""flask commands: ``flask db upgrade`` / ``flask db status`` and ``flask seed``."""

from pathlib import Path

import click
from flask import Blueprint, current_app
from peewee import DatabaseError

from .config import ROOT
from .db import create_sqlite_file, db, migration_runner, without_statement_timeout

cli = Blueprint("cli", __name__, cli_group=None)
DEFAULT_CORPUS = ROOT / "seed" / "corpus" / "tendances-2021.md"
SEED_WAIT = 600  # seconds a seed waits for another one (replicas starting together each seed)


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


@cli.cli.command("seed")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path), default=DEFAULT_CORPUS)
@click.option(
    "--wait",
    type=click.FloatRange(min=0),
    default=SEED_WAIT,
    show_default=True,
    help="Seconds to wait for another seed to finish; then give up, changing nothing.",
)
def seed(path, wait):
    """Parse a report and load it in one transaction (default: the bundled 2021 report).

    Safe to re-run: a second run changes nothing and says so. One seed runs at a time: a
    second one waits for the first to finish, then loads over what it committed.
    """
    from seed.loader import SeedLocked, load_report
    from seed.parser import read_corpus
    from seed.records import ParseError

    try:
        report = read_corpus(path)
    except (ParseError, OSError) as error:
        raise click.ClickException(f"{path}: {error}") from None

    def say_waiting():
        click.echo(f"Another seed is writing to the database: waiting up to {wait:g} s for it to finish.", err=True)

    try:
        with db.connection_context():
            without_statement_timeout()
            result = load_report(report, wait=wait, on_wait=say_waiting)
    except SeedLocked as error:
        raise click.ClickException(f"{error}; nothing was changed. Run flask seed again once it has finished.") from None
    except DatabaseError as error:
        raise click.ClickException(f"the database refused the load, nothing was changed: {error}") from None
    edition = report.edition
    click.echo(f"{path.name}: {edition.title} ({edition.subtitle}), {edition.publisher}")
    click.echo(
        f"  {len(report.trends)} trends, {len(report.experts)} experts, {len(report.keywords)} keywords, "
        f"{sum(len(k.links) for k in report.keywords)} keyword links"
    )
    for label, notices in (("warning", report.warnings), ("anomaly", report.anomalies)):
        for notice in notices:
            click.echo(f"  {label}: {notice}")
    if result.changed:
        changes = ", ".join(f"{n} {what}" for what, n in sorted(result.changes.items()))
        click.echo(f"Loaded: {changes}. Data version {result.data_version}.")
    else:
        click.echo(f"Nothing changed: the database already holds this report (data version {result.data_version}).")


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
