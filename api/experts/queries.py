"""What the expert views read: filtered lists, one expert with their trends."""

import json
from dataclasses import dataclass, field

from ..analysis import fold
from ..db import id_list, rows
from ..pagination import Listing
from ..summaries import SUMMARY_COLUMNS, SUMMARY_JOINS, trend_summary

SORTS = {
    "name": "x.sort_name, x.id",
    "-name": "x.sort_name DESC, x.id DESC",
    "-trend_count": "x.trend_count DESC, x.sort_name, x.id",
}
COLUMNS = "id, slug, name, name_original, roles, organization, trend_count"


@dataclass(frozen=True, slots=True)
class ProfileLink:
    kind: str
    url: str


@dataclass(slots=True)
class ExpertItem:
    """An expert as lists show them."""

    id: int
    slug: str
    name: str
    name_original: str
    roles: list
    organization: str | None
    trend_count: int
    links: list = field(default_factory=list)  # of ProfileLink, in printed order


@dataclass(slots=True)
class ExpertDetail(ExpertItem):
    bio: list = field(default_factory=list)
    bio_html: list = field(default_factory=list)
    trends: list = field(default_factory=list)  # of TrendSummary, newest edition first


def matching(organization=None, sort="name"):
    """The experts, of one organisation (accents and case aside) if given, as a :class:`~api.pagination.Listing`."""
    listing = Listing("expert x", SORTS[sort])
    return listing.having("x.organization_key = ?", fold(organization)) if organization else listing


def item(row, links):
    expert_id, slug, name, name_original, roles, organization, trend_count = row[:7]
    return ExpertItem(expert_id, slug, name, name_original, json.loads(roles), organization, trend_count, links)


def links_of(expert_ids):
    """``{expert id: [ProfileLink, ...]}`` (one statement)."""
    found = {expert_id: [] for expert_id in expert_ids}
    if found:
        sql = f"SELECT expert_id, kind, url FROM expert_link WHERE expert_id IN ({id_list(found)}) ORDER BY position"
        for expert_id, kind, url in rows(sql):
            found[expert_id].append(ProfileLink(kind, url))
    return found


def items(ids):
    """The :class:`ExpertItem` of each id, in the order given (two statements)."""
    if not ids:
        return []
    found = {row[0]: row for row in rows(f"SELECT {COLUMNS} FROM expert WHERE id IN ({id_list(ids)})")}
    links = links_of(found)
    return [item(found[expert_id], links[expert_id]) for expert_id in ids if expert_id in found]


def detail(slug, embedded_trends):
    """The :class:`ExpertDetail` of ``slug``, with at most ``embedded_trends`` trends; None if unknown."""
    found = rows(f"SELECT {COLUMNS}, bio, bio_html FROM expert WHERE slug = ?", (slug,))
    if not found:
        return None
    row = found[0]
    trends = rows(
        f"SELECT {SUMMARY_COLUMNS} FROM {SUMMARY_JOINS} WHERE t.expert_id = ? ORDER BY e.year DESC, t.number "
        f"LIMIT {int(embedded_trends)}",
        (row[0],),
    )
    expert = item(row, links_of([row[0]])[row[0]])
    return ExpertDetail(
        **{name: getattr(expert, name) for name in ExpertItem.__dataclass_fields__},
        bio=json.loads(row[7]),
        bio_html=json.loads(row[8]),
        trends=[trend_summary(trend) for trend in trends],
    )
