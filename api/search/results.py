"""A search's answer: the hits of one page, with snippets, and the facets of all hits."""

from peewee import SQL, fn

from ..fulltext import matches
from ..models import Expert, Keyword, SearchEntry, Trend, TrendKeyword
from ..schemas import href, trend_url
from ..snippets import snippets

KINDS = ("trend", "expert", "keyword")
FACET_SIZE = 20
SNIPPETS_PER_HIT = 3


def type_counts(search, kinds, edition_id):
    rows = (
        matches(search, kinds, edition_id).select(SearchEntry.kind, fn.COUNT(SearchEntry.id)).group_by(SearchEntry.kind).tuples()
    )
    counts = dict.fromkeys(kinds, 0)
    counts.update(rows)
    return counts


def facets(search, edition_id, counts):
    """Counts of all hits by type, and of trend hits by keyword and by expert."""
    if "trend" not in counts:
        return {"type": counts, "keyword": [], "expert": []}
    trend_ids = matches(search, ["trend"], edition_id).select(SearchEntry.object_id)
    count = fn.COUNT(TrendKeyword.trend)
    by_keyword = (
        Keyword.select(Keyword, count.alias("count"))
        .join(TrendKeyword)
        .where(TrendKeyword.trend.in_(trend_ids))
        .group_by(Keyword.id)
        .order_by(count.desc(), Keyword.sort_term)
        .limit(FACET_SIZE)
    )
    trends = fn.COUNT(Trend.id)
    by_expert = (
        Expert.select(Expert, trends.alias("count"))
        .join(Trend)
        .where(Trend.id.in_(trend_ids))
        .group_by(Expert.id)
        .order_by(trends.desc(), Expert.sort_name)
        .limit(FACET_SIZE)
    )
    return {"type": counts, "keyword": list(by_keyword), "expert": list(by_expert)}


def fields_of(kind, row):
    """The texts of a hit that snippets may come from, by field name."""
    if kind == "trend":
        return {"title": row.title, "subtitle": row.subtitle, "plain_text": row.plain_text}
    if kind == "expert":
        return {"name": row.name, "organization": row.organization, "roles": "\n".join(row.roles), "bio": "\n\n".join(row.bio)}
    return {"term": row.term}


def hit(kind, row, score, search):
    found = []
    for field, text in fields_of(kind, row).items():
        if text and len(found) < SNIPPETS_PER_HIT:
            found += snippets(text, search, field, SNIPPETS_PER_HIT - len(found))
    if kind == "trend":
        return {
            "type": kind,
            "slug": row.slug,
            "number": row.number,
            "edition": row.edition.year,
            "title": row.title,
            "url": trend_url(row),
            "score": score,
            "snippets": found,
        }
    title = row.name if kind == "expert" else row.term
    return {
        "type": kind,
        "slug": row.slug,
        "number": None,
        "edition": None,
        "title": title,
        "url": href(f"/{kind}s/{row.slug}"),
        "score": score,
        "snippets": found,
    }


def page_hits(search, kinds, edition_id, page, page_size):
    """One page of hits, best first, each with its snippets (one query per kind present)."""
    rows = list(
        matches(search, kinds, edition_id)
        .order_by(SQL("score").desc(), SearchEntry.kind, SearchEntry.object_id)
        .paginate(page, page_size)
        .dicts()
    )
    wanted = {kind: [r["object_id"] for r in rows if r["kind"] == kind] for kind in KINDS}
    queries = {"trend": Trend.listing(full=True), "expert": Expert.select(), "keyword": Keyword.select()}
    found = {
        kind: {row.id: row for row in queries[kind].where(queries[kind].model.id.in_(ids))} if ids else {}
        for kind, ids in wanted.items()
    }
    return [hit(r["kind"], found[r["kind"]][r["object_id"]], round(r["score"], 4), search) for r in rows]
