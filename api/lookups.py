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
    return Edition(year).or_404()


@dataclass(frozen=True, slots=True)
class Edition:
    """An edition as a request names it (a year, or None for the latest), for the statements
    that need its id: they find it themselves (:meth:`where`), one statement fewer than looking
    it up first. Only an answer that comes back empty checks that the edition exists
    (:meth:`or_404`)."""

    year: int | None = None

    def where(self, column):
        """``(condition, params)``: ``column`` holds this edition's id."""
        if self.year is None:
            return f"{column} = (SELECT id FROM edition ORDER BY year DESC LIMIT 1)", ()
        return f"{column} = (SELECT id FROM edition WHERE year = ?)", (self.year if self.year <= MAX_YEAR else None,)

    def or_404(self):
        """This edition's :class:`EditionKey`, or a 404 problem when there is none."""
        if self.year is None:
            edition = rows("SELECT id, year FROM edition ORDER BY year DESC LIMIT 1")
            return EditionKey(*found(edition, "No edition has been seeded yet.")[0])
        edition = rows("SELECT id, year FROM edition WHERE year = ?", (self.year,)) if self.year <= MAX_YEAR else []
        return EditionKey(*found(edition, f"No edition {self.year}.")[0])


def trend_key(number_or_slug):
    """``(column, value)`` naming a trend in its edition by number or slug, or None when nothing
    can be named so (a number past any trend's, and past what the database can bind)."""
    if not (number_or_slug.isascii() and number_or_slug.isdigit()):
        return "slug", number_or_slug
    return ("number", int(number_or_slug)) if len(number_or_slug) <= 9 else None


def trend_or_404(edition, number_or_slug, select="t.id", joins="trend t"):
    """The ``select`` columns of the trend of ``edition`` (an :class:`Edition`) numbered or
    slugged so (from ``joins``, where the trend is ``t``), in one statement; a 404 problem that
    names what is missing, the edition or the trend, when there is none."""
    key = trend_key(number_or_slug)
    found_rows = []
    if key is not None:
        condition, params = edition.where("t.edition_id")
        column, value = key
        found_rows = rows(f"SELECT {select} FROM {joins} WHERE {condition} AND t.{column} = ?", (*params, value))
    if not found_rows:
        abort(404, f"No trend {number_or_slug!r} in edition {edition.or_404().year}.")
    return found_rows[0]


def trend_id_or_404(edition, number_or_slug):
    """The id of the trend of ``edition`` (an :class:`Edition`) numbered or slugged so."""
    return trend_or_404(edition, number_or_slug)[0]
