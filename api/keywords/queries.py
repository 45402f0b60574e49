"""What the keyword views read: filtered lists, one keyword with its trends and neighbours, and
the keywords that names given by a partner stand for."""

import difflib
import json
from dataclasses import dataclass, field

from slugify import slugify

from ..analysis import fold, label_key
from ..db import id_list, rows
from ..pagination import Listing
from ..summaries import SUMMARY_COLUMNS, SUMMARY_JOINS, SUMMARY_WIDTH, KeywordRef, TrendSummary, extended, trend_summary
from .names import names

SORTS = {
    "term": "k.sort_term, k.id",
    "-trend_count": "k.trend_count DESC, k.sort_term, k.id",
}


KINDS = ("cloud", "topic", "platform", "practice", "format", "sector", "place", "event")  # seed/thesaurus.py
GRADES = ("about", "mention")
LANGUAGES = ("fr", "en")


@dataclass(frozen=True, slots=True)
class Related:
    """A keyword another one names as broader, narrower or related."""

    slug: str
    term: str


@dataclass(frozen=True, slots=True)
class KeywordItem(KeywordRef):
    trend_count: int
    kind: str
    labels: dict  # language -> preferred label (None where the keyword has none)
    alt_labels: dict  # language -> [alternative labels]
    broader: list  # of Related
    narrower: list
    related: list


KEYWORD_COLUMNS = "k.id, k.slug, k.term, k.trend_count, k.kind, k.labels, k.alt_labels, k.relations"


def keyword_item(row, cls=None, **more):
    """A :class:`KeywordItem` (or ``cls``) from a row of ``KEYWORD_COLUMNS``."""
    keyword_id, slug, term, trend_count, kind, labels, alt_labels, relations = row[:8]
    labels, alt_labels, relations = json.loads(labels), json.loads(alt_labels), json.loads(relations)
    return (cls or KeywordItem)(
        keyword_id,
        slug,
        term,
        trend_count,
        kind,
        {language: labels.get(language) for language in LANGUAGES},
        {language: alt_labels.get(language, []) for language in LANGUAGES},
        *([Related(*pair) for pair in relations.get(name, [])] for name in ("broader", "narrower", "related")),
        **more,
    )


@dataclass(slots=True)
class KeywordTrend(TrendSummary):
    """One of a keyword's trends, with the grade, strength and evidence of the link."""

    weight: float = 0.0
    location: str = ""
    evidence: str = ""
    grade: str = ""


@dataclass(slots=True)
class SuggestedTrend(TrendSummary):
    """A trend close by meaning to a concept it is not linked to: a suggestion, not a link."""

    similarity: float = 0.0
    passage: str = ""


@dataclass(frozen=True, slots=True)
class CoOccurring(KeywordRef):
    count: int  # trends about both


@dataclass(frozen=True, slots=True)
class KeywordDetail(KeywordItem):
    trends: list = field(default_factory=list)  # of KeywordTrend, about first, strongest link first
    co_occurring: list = field(default_factory=list)  # of CoOccurring, most shared first
    suggested_trends: list = field(default_factory=list)  # of SuggestedTrend, closest first


def matching(q=None, sort="term", kind=None):
    """The keywords of ``kind`` one of whose labels (either language, preferred or not) holds
    ``q`` (accents and case aside), as a :class:`~api.pagination.Listing`. With ``q``, a label
    equal to it ranks first, then one starting with it, then one with a word starting so, then
    one holding it, a preferred label before an alternative one in each; ``sort`` orders each rank."""
    listing = Listing("keyword k", SORTS[sort])
    if kind:
        listing.having("k.kind = ?", kind)
    if q:
        folded = " ".join(fold(q).split())
        pattern = folded.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")  # q's own % and _ are letters
        rank = (
            "SELECT keyword_id, MIN(CASE WHEN search_text = ? THEN 0 WHEN search_text LIKE ? ESCAPE '\\' THEN 2 "
            "WHEN search_text LIKE ? ESCAPE '\\' THEN 4 ELSE 6 END + CASE WHEN preferred THEN 0 ELSE 1 END) AS rank "
            "FROM keyword_label WHERE search_text LIKE ? ESCAPE '\\' GROUP BY keyword_id"
        )
        params = [folded, f"{pattern}%", f"% {pattern}%", f"%{pattern}%"]
        listing.joined(f"JOIN ({rank}) m ON m.keyword_id = k.id", params, order=f"m.rank, {SORTS[sort]}")
    return listing


def items(ids):
    """The :class:`KeywordItem` of each id, in the order given (one statement)."""
    if not ids:
        return []
    found = {row[0]: row for row in rows(f"SELECT {KEYWORD_COLUMNS} FROM keyword k WHERE k.id IN ({id_list(ids)})")}
    return [keyword_item(found[keyword_id]) for keyword_id in ids if keyword_id in found]


LINK_FIELDS = ("weight", "location", "evidence", "grade")  # of a trend's link to a keyword, as the detail selects them


def detail(slug, embedded_trends, embedded_keywords):
    """The :class:`KeywordDetail` of ``slug``, with at most that many trends and neighbours; None if unknown."""
    found = rows(f"SELECT {KEYWORD_COLUMNS} FROM keyword k WHERE k.slug = ?", (slug,))
    if not found:
        return None
    keyword_id = found[0][0]
    linked = rows(
        f"SELECT {SUMMARY_COLUMNS}, {', '.join(f'l.{name}' for name in LINK_FIELDS)} FROM {SUMMARY_JOINS} "
        "JOIN trend_keyword l ON l.trend_id = t.id WHERE l.keyword_id = ? "
        "ORDER BY CASE l.grade WHEN 'about' THEN 0 ELSE 1 END, l.weight DESC, e.year DESC, t.number "
        f"LIMIT {int(embedded_trends)}",
        (keyword_id,),
    )
    trends = [
        extended(trend_summary(row), KeywordTrend, **dict(zip(LINK_FIELDS, row[SUMMARY_WIDTH:], strict=True))) for row in linked
    ]
    co_occurring = rows(
        "SELECT k.id, k.slug, k.term, COUNT(theirs.trend_id) AS shared FROM keyword k "
        "JOIN trend_keyword theirs ON theirs.keyword_id = k.id JOIN trend_keyword mine ON mine.trend_id = theirs.trend_id "
        "WHERE mine.keyword_id = ? AND theirs.keyword_id != ? AND mine.grade = 'about' AND theirs.grade = 'about' "
        "GROUP BY k.id, k.slug, k.term, k.sort_term "
        f"ORDER BY shared DESC, k.sort_term LIMIT {int(embedded_keywords)}",
        (keyword_id, keyword_id),
    )
    suggested = rows(
        f"SELECT {SUMMARY_COLUMNS}, g.similarity, g.passage FROM {SUMMARY_JOINS} "
        "JOIN keyword_suggestion g ON g.trend_id = t.id WHERE g.keyword_id = ? ORDER BY g.similarity DESC, e.year DESC, t.number",
        (keyword_id,),
    )
    return keyword_item(
        found[0],
        KeywordDetail,
        trends=trends,
        co_occurring=[CoOccurring(*row) for row in co_occurring],
        suggested_trends=[
            extended(trend_summary(row), SuggestedTrend, similarity=row[SUMMARY_WIDTH], passage=row[SUMMARY_WIDTH + 1])
            for row in suggested
        ],
    )


MAX_SUGGESTIONS = 3  # keywords suggested for a name that names none
SUGGESTED_VALUES = 3  # names given suggestions in one request (difflib costs ~3 µs a label)
MIN_HELD = 3  # characters a name needs before the keywords whose labels hold it are suggested


def resolve(values):
    """The keyword each of ``values`` names: a slug, or any label of a keyword, in either
    language, preferred or alternative, as the analyser reads it (case, accents, plurals and
    stop words aside: "Réseaux sociaux", "reseau social" and "social media" name one keyword).

    :returns: ``({value: keyword id}, {value: [slug, ...]})``: the names resolved, and those
        that name none, each with up to ``MAX_SUGGESTIONS`` slugs of keywords it may have meant
        (for the first ``SUGGESTED_VALUES`` of them; the others none). No statement: the names
        are read once per data version (api/keywords/names.py).
    """
    if not values:
        return {}, {}
    known = names()
    resolved, unknown = {}, []
    for value in dict.fromkeys(values):
        keyword_id = known.by_slug.get(slugify(value)) or known.by_key.get(label_key(value))
        if keyword_id is None:
            unknown.append(value)
        else:
            resolved[value] = keyword_id
    return resolved, {value: suggestions(value, known.labels) if n < SUGGESTED_VALUES else [] for n, value in enumerate(unknown)}


def suggestions(value, labels):
    """The slugs of the keywords ``value`` may stand for, among ``labels`` (``(folded label,
    slug)``): those with a label holding it whole first (once it has ``MIN_HELD`` characters),
    then those with the closest spellings among labels of its first letter."""
    folded = " ".join(fold(value).replace("-", " ").split())
    if not folded:
        return []
    holding = [slug for label, slug in labels if folded in label] if len(folded) >= MIN_HELD else []
    close = {}
    for label, slug in labels:
        if label[:1] == folded[0]:
            close.setdefault(label, slug)
    spelled = [close[label] for label in difflib.get_close_matches(folded, list(close), n=MAX_SUGGESTIONS, cutoff=0.6)]
    return list(dict.fromkeys([*holding, *spelled]))[:MAX_SUGGESTIONS]
