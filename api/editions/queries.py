"""What the edition views read: editions with their counts."""

import json
from dataclasses import dataclass, field

from ..db import id_list, rows
from ..pagination import Listing

COLUMNS = (
    "e.year, e.title, e.subtitle, e.publisher, e.language, e.editor, e.source_url, "
    "(SELECT COUNT(*) FROM trend t WHERE t.edition_id = e.id), "
    "(SELECT COUNT(DISTINCT t.expert_id) FROM trend t WHERE t.edition_id = e.id), "
    "(SELECT COUNT(DISTINCT l.keyword_id) FROM trend_keyword l JOIN trend t ON t.id = l.trend_id WHERE t.edition_id = e.id)"
)


@dataclass(slots=True)
class EditionItem:
    """An edition and what it holds."""

    year: int
    title: str
    subtitle: str
    publisher: str
    language: str
    editor: str | None
    source_url: str | None
    trend_count: int
    expert_count: int
    keyword_count: int


@dataclass(slots=True)
class EditionDetail(EditionItem):
    introduction: list = field(default_factory=list)  # paragraphs


def newest_first():
    """The editions, newest first, as a :class:`~api.pagination.Listing`."""
    return Listing("edition e", "e.year DESC")


def items(ids):
    """The :class:`EditionItem` of each id, in the order given (one statement)."""
    if not ids:
        return []
    found = {row[0]: row[1:] for row in rows(f"SELECT e.id, {COLUMNS} FROM edition e WHERE e.id IN ({id_list(ids)})")}
    return [EditionItem(*found[edition_id]) for edition_id in ids if edition_id in found]


def detail(year):
    """The :class:`EditionDetail` of ``year``, or None."""
    found = rows(f"SELECT {COLUMNS}, e.introduction FROM edition e WHERE e.year = ?", (year,))
    if not found:
        return None
    *columns, introduction = found[0]
    return EditionDetail(*columns, introduction=json.loads(introduction))
