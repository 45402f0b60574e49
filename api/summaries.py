"""What one resource shows of another (the summaries lists embed), as declared results, and how
to load them in a fixed number of statements whatever their number.

Queries here and in each resource's ``queries.py`` return these dataclasses, never model rows
with attributes hung on them: the schemas (api/schemas.py) read exactly these fields. Hot
reads are hand-written SQL on the bound database (:func:`api.db.rows`): building them with
Peewee cost more than running them.
"""

from dataclasses import dataclass, field

import orjson

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
    "e.year, e.title, x.slug, x.name, t.about_keywords"
)
SUMMARY_WIDTH = 13  # columns of SUMMARY_COLUMNS: a query's own come after them
SUMMARY_JOINS = "trend t JOIN edition e ON e.id = t.edition_id LEFT JOIN expert x ON x.id = t.expert_id"


def trend_summary(row, keywords=None):
    """A :class:`TrendSummary` from the first columns of ``row`` (``SUMMARY_COLUMNS``), with the
    keywords it is about as the seed keeps them with the trend (``Trend.about_keywords``), or
    ``keywords``."""
    trend_id, number, slug, title, subtitle, excerpt, words, minutes, year, edition_title, expert_slug, expert_name, about = row[
        :SUMMARY_WIDTH
    ]
    expert = ExpertRef(expert_slug, expert_name) if expert_slug is not None else None
    if keywords is None:
        keywords = [KeywordRef(*ref) for ref in orjson.loads(about)]
    return TrendSummary(
        trend_id, number, slug, title, subtitle, excerpt, words, minutes, EditionRef(year, edition_title), expert, list(keywords)
    )


def weighted_keywords(trend_id):
    """Every keyword the trend names as :class:`WeightedKeyword` s, those it is about first, then
    by weight (one statement)."""
    return [
        WeightedKeyword(*columns)
        for columns in rows(
            "SELECT k.id, k.slug, k.term, l.weight, l.location, l.evidence, l.grade FROM trend_keyword l "
            "JOIN keyword k ON k.id = l.keyword_id WHERE l.trend_id = ? "
            "ORDER BY CASE l.grade WHEN 'about' THEN 0 ELSE 1 END, l.weight DESC, k.sort_term",
            (trend_id,),
        )
    ]


def trend_summaries(ids):
    """The :class:`TrendSummary` of each trend id, in the order given (one statement: the keywords
    a summary embeds are kept with its trend). Ids of trends a seed removed in between are left
    out."""
    if not ids:
        return []
    found = {row[0]: row for row in rows(f"SELECT {SUMMARY_COLUMNS} FROM {SUMMARY_JOINS} WHERE t.id IN ({id_list(ids)})")}
    return [trend_summary(found[trend_id]) for trend_id in ids if trend_id in found]
