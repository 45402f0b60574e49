"""What the keyword views read: filtered lists, one keyword with its trends and neighbours."""

from dataclasses import dataclass, field

from ..analysis import fold
from ..db import id_list, rows
from ..pagination import Listing
from ..summaries import SUMMARY_COLUMNS, SUMMARY_JOINS, KeywordRef, TrendSummary, extended, summaries_of

SORTS = {
    "term": "k.sort_term, k.id",
    "-trend_count": "k.trend_count DESC, k.sort_term, k.id",
}


@dataclass(frozen=True, slots=True)
class KeywordItem(KeywordRef):
    trend_count: int


@dataclass(slots=True)
class KeywordTrend(TrendSummary):
    """One of a keyword's trends, with the strength and evidence of the link."""

    weight: float = 0.0
    location: str = ""
    evidence: str = ""


@dataclass(frozen=True, slots=True)
class CoOccurring(KeywordRef):
    count: int  # trends about both


@dataclass(slots=True)
class KeywordDetail:
    id: int
    slug: str
    term: str
    trend_count: int
    trends: list = field(default_factory=list)  # of KeywordTrend, strongest link first
    co_occurring: list = field(default_factory=list)  # of CoOccurring, most shared first


def matching(q=None, sort="term"):
    """The keywords whose term contains ``q`` (accents and case aside), as a :class:`~api.pagination.Listing`."""
    listing = Listing("keyword k", SORTS[sort])
    if q:
        pattern = fold(q).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")  # q's own % and _ are letters
        listing.having("k.search_text LIKE ? ESCAPE '\\'", f"%{pattern}%")
    return listing


def items(ids):
    """The :class:`KeywordItem` of each id, in the order given (one statement)."""
    if not ids:
        return []
    found = {row[0]: row for row in rows(f"SELECT id, slug, term, trend_count FROM keyword WHERE id IN ({id_list(ids)})")}
    return [KeywordItem(*found[keyword_id]) for keyword_id in ids if keyword_id in found]


def detail(slug, embedded_trends, embedded_keywords):
    """The :class:`KeywordDetail` of ``slug``, with at most that many trends and neighbours; None if unknown."""
    found = rows("SELECT id, slug, term, trend_count FROM keyword WHERE slug = ?", (slug,))
    if not found:
        return None
    keyword_id = found[0][0]
    linked = rows(
        f"SELECT {SUMMARY_COLUMNS}, l.weight, l.location, l.evidence FROM {SUMMARY_JOINS} "
        "JOIN trend_keyword l ON l.trend_id = t.id WHERE l.keyword_id = ? ORDER BY l.weight DESC, e.year DESC, t.number "
        f"LIMIT {int(embedded_trends)}",
        (keyword_id,),
    )
    trends = [
        extended(summary, KeywordTrend, weight=row[12], location=row[13], evidence=row[14])
        for summary, row in zip(summaries_of(linked), linked, strict=True)
    ]
    co_occurring = rows(
        "SELECT k.id, k.slug, k.term, COUNT(theirs.trend_id) AS shared FROM keyword k "
        "JOIN trend_keyword theirs ON theirs.keyword_id = k.id JOIN trend_keyword mine ON mine.trend_id = theirs.trend_id "
        "WHERE mine.keyword_id = ? AND theirs.keyword_id != ? GROUP BY k.id, k.slug, k.term, k.sort_term "
        f"ORDER BY shared DESC, k.sort_term LIMIT {int(embedded_keywords)}",
        (keyword_id, keyword_id),
    )
    return KeywordDetail(*found[0], trends=trends, co_occurring=[CoOccurring(*row) for row in co_occurring])
