"""What one resource shows of another (the summaries lists embed), as declared results, and how
to load them in a fixed number of statements whatever their number.

Queries here and in each resource's ``queries.py`` return these dataclasses, never model rows
with attributes hung on them: the schemas (api/schemas.py) read exactly these fields. Hot
reads are hand-written SQL on the bound database (:func:`api.db.rows`): building them with
Peewee cost more than running them.
"""

from dataclasses import dataclass, field

from .db import id_list, rows


@dataclass(frozen=True, slots=True)
class EditionRef:
    year: int
    title: str


@dataclass(frozen=True, slots=True)
class ExpertRef:
    slug: str
    name: str


@dataclass(frozen=True, slots=True)
class KeywordRef:
    id: int
    slug: str
    term: str


@dataclass(frozen=True, slots=True)
class WeightedKeyword(KeywordRef):
    """A keyword as a trend names it: how strongly, where, the passage that shows it, and whether
    the trend is about it."""

    weight: float
    location: str
    evidence: str
    grade: str


@dataclass(slots=True)
class TrendSummary:
    """A trend as lists show it."""

    id: int
    number: int
    slug: str
    title: str
    subtitle: str | None
    excerpt: str
    word_count: int
    reading_time_minutes: int
    edition: EditionRef
    expert: ExpertRef | None
    keywords: list = field(default_factory=list)  # of KeywordRef: those it is about, strongest link first


def extended(summary, cls, **more):
    """A subclass of :class:`TrendSummary` (a detail, a related trend...) from a summary and ``more``."""
    return cls(**{name: getattr(summary, name) for name in TrendSummary.__dataclass_fields__}, **more)


SUMMARY_COLUMNS = (
    "t.id, t.number, t.slug, t.title, t.subtitle, t.excerpt, t.word_count, t.reading_time_minutes, "
    "e.year, e.title, x.slug, x.name"
)
SUMMARY_JOINS = "trend t JOIN edition e ON e.id = t.edition_id LEFT JOIN expert x ON x.id = t.expert_id"


def trend_summary(row, keywords=()):
    """A :class:`TrendSummary` from the first columns of ``row`` (``SUMMARY_COLUMNS``)."""
    trend_id, number, slug, title, subtitle, excerpt, words, minutes, year, edition_title, expert_slug, expert_name = row[:12]
    expert = ExpertRef(expert_slug, expert_name) if expert_slug is not None else None
    return TrendSummary(
        trend_id, number, slug, title, subtitle, excerpt, words, minutes, EditionRef(year, edition_title), expert, list(keywords)
    )


def keywords_of(trend_ids, weighted=False):
    """``{trend id: [KeywordRef, ...]}``: the keywords each trend is about, strongest link first;
    ``weighted``, every keyword it names as :class:`WeightedKeyword` s, those it is about first
    (one statement)."""
    found = {trend_id: [] for trend_id in trend_ids}
    if not found:
        return found
    if weighted:
        extra, about, order = ", l.weight, l.location, l.evidence, l.grade", "", "CASE l.grade WHEN 'about' THEN 0 ELSE 1 END, "
    else:
        extra, about, order = "", " AND l.grade = 'about'", ""
    make = WeightedKeyword if weighted else KeywordRef
    for trend_id, *columns in rows(
        f"SELECT l.trend_id, k.id, k.slug, k.term{extra} FROM trend_keyword l JOIN keyword k ON k.id = l.keyword_id "
        f"WHERE l.trend_id IN ({id_list(found)}){about} ORDER BY {order}l.weight DESC, k.sort_term"
    ):
        found[trend_id].append(make(*columns))
    return found


def summaries_of(found_rows):
    """The :class:`TrendSummary` of each row whose first columns are ``SUMMARY_COLUMNS`` (one
    more statement, for their keywords)."""
    keywords = keywords_of([row[0] for row in found_rows])
    return [trend_summary(row, keywords[row[0]]) for row in found_rows]


def trend_summaries(ids):
    """The :class:`TrendSummary` of each trend id, in the order given, with the keywords it is
    about, strongest link first. One statement, the trends' rows then their keywords' (a join
    repeated a trend's columns, its excerpt among them, once per keyword: at five keywords a
    trend, a cold page took 1.42 ms in process on PostgreSQL, 1.30 ms so). Ids of trends a seed
    removed in between are left out."""
    if not ids:
        return []
    listed = id_list(ids)
    found, keywords = {}, {}
    for row in rows(
        f"SELECT {SUMMARY_COLUMNS}, NULL, NULL, NULL, NULL, NULL FROM {SUMMARY_JOINS} WHERE t.id IN ({listed}) "
        f"UNION ALL SELECT l.trend_id, {', '.join(['NULL'] * 11)}, k.id, k.slug, k.term, l.weight, k.sort_term "
        "FROM trend_keyword l JOIN keyword k ON k.id = l.keyword_id "
        f"WHERE l.trend_id IN ({listed}) AND l.grade = 'about' ORDER BY 16 DESC, 17"
    ):
        if row[12] is None:
            found[row[0]] = trend_summary(row)
        else:
            keywords.setdefault(row[0], []).append(KeywordRef(*row[12:15]))
    for trend_id, summary in found.items():
        summary.keywords = keywords.get(trend_id, [])
    return [found[trend_id] for trend_id in ids if trend_id in found]
