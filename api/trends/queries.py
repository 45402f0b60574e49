"""What the trend views read: filtered lists, one trend in full, related trends."""

import json
from dataclasses import dataclass, field

from ..db import id_list, rows
from ..lookups import trend_or_404
from ..pagination import Listing
from ..summaries import (
    SUMMARY_COLUMNS,
    SUMMARY_JOINS,
    SUMMARY_WIDTH,
    TrendSummary,
    extended,
    trend_summaries,
    trend_summary,
    weighted_keywords,
)

SORTS = {
    "number": "t.number",
    "-number": "t.number DESC",
    "title": "t.sort_title, t.number",
    "-title": "t.sort_title DESC, t.number DESC",
}


@dataclass(slots=True)
class Section:
    heading: str | None
    heading_html: str | None
    level: int
    blocks: list  # of dicts: kind, number, text, html


@dataclass(slots=True)
class TrendDetail(TrendSummary):
    """A trend with its whole text; its ``keywords`` are :class:`~api.summaries.WeightedKeyword` s."""

    sections: list = field(default_factory=list)
    plain_text: str = ""
    footnotes: list = field(default_factory=list)
    links: list = field(default_factory=list)
    image_credit: str | None = None


@dataclass(slots=True)
class RelatedTrend(TrendSummary):
    shared_keywords: list = field(default_factory=list)  # of KeywordRef
    similarity: float = 0.0  # of distinctive words
    meaning_similarity: float | None = None  # of meaning: None past the trend's semantic.NEIGHBOURS closest


def matching(edition, keywords=(), match="all", exclude=(), expert=None, sort="number", grade=None):
    """The trends of ``edition`` filtered by keywords and expert slug, in ``sort`` order, as a
    :class:`~api.pagination.Listing` (counted on an index, paged on ids).

    :param keywords: keyword ids (the arguments resolve names: api/keywords/queries.py ``resolve``)
    :param match: ``all`` keeps trends with every keyword, ``any`` with at least one
    :param exclude: keyword ids no trend may be linked to
    :param grade: ``about`` keeps only the trends about the ``keywords`` (not those that mention them)
    """
    in_edition, params = edition.where("t.edition_id")
    listing = Listing("trend t", SORTS[sort]).having(in_edition, *params)
    linked = "SELECT trend_id FROM trend_keyword WHERE" + (" grade = 'about' AND" if grade == "about" else "")
    ids = sorted(set(keywords))
    if match == "all":  # one semi-join a keyword: cheaper than grouping the links and counting them
        for keyword_id in ids:
            listing.having(f"t.id IN ({linked} keyword_id = {int(keyword_id)})")
    elif ids:
        listing.having(f"t.id IN ({linked} keyword_id IN ({id_list(ids)}))")
    excluded = sorted(set(exclude))
    if excluded:
        listing.having(f"t.id NOT IN (SELECT trend_id FROM trend_keyword WHERE keyword_id IN ({id_list(excluded)}))")
    if expert is not None:
        listing.having("t.expert_id IN (SELECT id FROM expert WHERE slug = ?)", expert)
    return listing


def detail(edition, number_or_slug):
    """The :class:`TrendDetail` of the trend of ``edition`` numbered or slugged so, or a 404 (three
    statements)."""
    columns = f"{SUMMARY_COLUMNS}, t.plain_text, t.footnotes, t.links, t.image_credit"
    row = trend_or_404(edition, number_or_slug, select=columns, joins=SUMMARY_JOINS)
    trend_id = row[0]
    summary = trend_summary(row, weighted_keywords(trend_id))
    sections = rows("SELECT heading, heading_html, level, blocks FROM section WHERE trend_id = ? ORDER BY position", (trend_id,))
    plain_text, footnotes, links, image_credit = row[SUMMARY_WIDTH:]
    return extended(
        summary,
        TrendDetail,
        sections=[Section(heading, html, level, json.loads(blocks)) for heading, html, level, blocks in sections],
        plain_text=plain_text,
        footnotes=json.loads(footnotes),
        links=json.loads(links),
        image_credit=image_credit,
    )


def related(trend_id, edition):
    """Other trends of ``edition`` about keywords it is about, close to it by meaning, or sharing
    distinctive words with it, as a :class:`~api.pagination.Listing` whose page selects
    ``RELATED_PAGE``: most shared keywords first, then its closest by meaning (the
    ``semantic.NEIGHBOURS`` the seed keeps, :class:`~api.models.TrendNeighbour`), then by text
    similarity (cosine of the trends' TF-IDF signatures, see :class:`~api.models.TrendTerm`)."""
    shared = (
        "SELECT theirs.trend_id, COUNT(theirs.keyword_id) AS shared FROM trend_keyword theirs "
        "JOIN trend_keyword mine ON mine.keyword_id = theirs.keyword_id WHERE mine.trend_id = ? AND theirs.trend_id != ? "
        "AND mine.grade = 'about' AND theirs.grade = 'about' GROUP BY theirs.trend_id"
    )
    similar = (
        "SELECT b.trend_id, SUM(a.weight * b.weight) AS similarity FROM trend_term b "
        "JOIN trend_term a ON a.term = b.term WHERE a.trend_id = ? AND b.trend_id != ? GROUP BY b.trend_id"
    )
    listing = Listing(
        "trend t", "COALESCE(s.shared, 0) DESC, COALESCE(n.similarity, -1.0) DESC, COALESCE(m.similarity, 0.0) DESC, t.number"
    )
    listing.joined(f"LEFT JOIN ({shared}) s ON s.trend_id = t.id", [trend_id, trend_id])
    listing.joined("LEFT JOIN trend_neighbour n ON n.neighbour_id = t.id AND n.trend_id = ?", [trend_id])
    listing.joined(f"LEFT JOIN ({similar}) m ON m.trend_id = t.id", [trend_id, trend_id])
    in_edition, params = edition.where("t.edition_id")
    return (
        listing.having(in_edition, *params)
        .having("t.id != ?", trend_id)
        .having("(COALESCE(s.shared, 0) > 0 OR n.similarity IS NOT NULL OR COALESCE(m.similarity, 0.0) > 0)")
    )


RELATED_PAGE = "t.id, COALESCE(m.similarity, 0.0), n.similarity"


def related_trends(trend_id, page):
    """:class:`RelatedTrend` s of a page of ``(id, similarity, meaning similarity)`` rows of :func:`related`."""
    similarity = {row_id: (words, meaning) for row_id, words, meaning in page}
    found = trend_summaries([trend_id, *similarity])
    mine = {keyword.id for summary in found if summary.id == trend_id for keyword in summary.keywords}
    return [
        extended(
            summary,
            RelatedTrend,
            shared_keywords=[keyword for keyword in summary.keywords if keyword.id in mine],
            similarity=similarity[summary.id][0],
            meaning_similarity=similarity[summary.id][1],
        )
        for summary in found
        if summary.id != trend_id
    ]
