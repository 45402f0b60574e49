"""Finding what a URL names, or answering 404: editions, trends, anything by its key.

One way to refuse: werkzeug's ``abort`` (through Flask), whose description the problem handler
turns into the problem's ``detail`` (api/problems.py).
"""

from dataclasses import dataclass

from flask import abort

from .db import rows

MAX_YEAR = 9999


@dataclass(frozen=True, slots=True)
class EditionKey:
    id: int
    year: int


def found(value, detail):
    """``value``, or a 404 problem saying ``detail`` when it is None (or empty)."""
    if not value:
        abort(404, detail)
    return value


def edition_or_404(year=None):
    """The edition of ``year``, or the latest; a 404 problem when there is none."""
    if year is None:
        edition = rows("SELECT id, year FROM edition ORDER BY year DESC LIMIT 1")
        return EditionKey(*found(edition, "No edition has been seeded yet.")[0])
    edition = rows("SELECT id, year FROM edition WHERE year = ?", (year,)) if year <= MAX_YEAR else []
    return EditionKey(*found(edition, f"No edition {year}.")[0])


def trend_id_or_404(edition, number_or_slug):
    """The id of the trend of ``edition`` numbered or slugged so."""
    if not (number_or_slug.isascii() and number_or_slug.isdigit()):
        found_rows = rows("SELECT id FROM trend WHERE edition_id = ? AND slug = ?", (edition.id, number_or_slug))
    elif len(number_or_slug) <= 9:
        found_rows = rows("SELECT id FROM trend WHERE edition_id = ? AND number = ?", (edition.id, int(number_or_slug)))
    else:  # past any trend's number, and past what the database can bind
        found_rows = []
    return found(found_rows, f"No trend {number_or_slug!r} in edition {edition.year}.")[0][0]
