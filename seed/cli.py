"""``flask seed``: parse a report and load it. Registered with Flask's command line by this
package itself (the ``flask.commands`` entry point in pyproject.toml), so that the app never
imports the seed."""

from pathlib import Path

import click
from flask.cli import with_appcontext
from peewee import DatabaseError

from api.db import db, without_statement_timeout

from .concepts import with_concepts
from .loader import SeedLocked, load_report
from .parser import read_corpus
from .records import ParseError
from .repair import counts as repair_counts
from .thesaurus import THESAURUS, read_thesaurus

DEFAULT_CORPUS = Path(__file__).resolve().parent / "corpus" / "tendances-2021.md"
SEED_WAIT = 600  # seconds a seed waits for another one (replicas starting together each seed)


@click.command("seed")
@with_appcontext
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path), default=DEFAULT_CORPUS)
@click.option(
    "--wait",
    type=click.FloatRange(min=0),
    default=SEED_WAIT,
    show_default=True,
    help="Seconds to wait for another seed to finish; then give up, changing nothing.",
)
@click.option(
    "--no-repair",
    is_flag=True,
    help="Load the text exactly as exported, without mending the export's damage (seed/repair.py); "
    "the repairs are listed, not made.",
)
def seed(path, wait, no_repair):
    """Parse a report and load it in one transaction (default: the bundled 2021 report).

    Safe to re-run: a second run changes nothing and says so. One seed runs at a time: a
    second one waits for the first to finish, then loads over what it committed.
    """
    try:
        report = read_corpus(path, repaired=not no_repair)
    except (ParseError, OSError) as error:
        raise click.ClickException(f"{path}: {error}") from None
    try:
        concepts = read_thesaurus(THESAURUS)
    except (ParseError, OSError) as error:
        raise click.ClickException(f"{THESAURUS}: {error}") from None
    cloud = len(report.keywords)
    report = with_concepts(report, concepts)

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
        f"  {len(report.trends)} trends, {len(report.experts)} experts, {len(report.keywords)} keywords "
        f"({cloud} of the cloud, {len(concepts)} concepts in {THESAURUS.name}), "
        f"{sum(len(k.links) for k in report.keywords)} keyword links"
    )
    if report.repairs:
        made = "that would be made (--no-repair)" if no_repair else "made"
        tally = ", ".join(f"{n} {kind}" for kind, n in repair_counts(report.repairs).items())
        click.echo(f"  {len(report.repairs)} repairs of the export's damage {made}: {tally}")
    for label, notices in (("warning", report.warnings), ("anomaly", report.anomalies)):
        for notice in notices:
            click.echo(f"  {label}: {notice}")
    if result.changed:
        changes = ", ".join(f"{n} {what}" for what, n in sorted(result.changes.items()))
        click.echo(f"Loaded: {changes}. Data version {result.data_version}.")
    else:
        click.echo(f"Nothing changed: the database already holds this report (data version {result.data_version}).")
