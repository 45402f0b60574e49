"""Records to rows, in one transaction, matched on natural keys: a second run changes nothing.

Rows are compared with what the database holds and only the differences are written, so ids
stay stable across re-seeds and the data version changes only when the data does.
"""
import hashlib
import json
import math
from collections import Counter
from dataclasses import asdict, dataclass, field

from peewee import chunked, fn

from api.analysis import fold, sort_key, terms
from api.db import db, is_postgres
from api.models import (
    Edition,
    Expert,
    ExpertLink,
    Keyword,
    Metadata,
    SearchEntry,
    Section,
    Trend,
    TrendKeyword,
    TrendTerm,
)

LOADER_VERSION = 2  # bump when the rows made from the same records change
EXCERPT_LENGTH = 300
WORDS_PER_MINUTE = 230  # silent reading speed of French prose
SIGNATURE_TERMS = 30  # distinctive words kept per trend for text similarity
BATCH = 500
SEED_LOCK = 0x7E5D  # PostgreSQL advisory lock taken by a seed


@dataclass
class LoadResult:
    """What a load did: rows per table for this edition, and inserts/updates/deletes."""

    counts: dict = field(default_factory=dict)
    changes: Counter = field(default_factory=Counter)
    data_version: str = ""

    @property
    def changed(self):
        return sum(self.changes.values()) > 0


def excerpt(text, length=EXCERPT_LENGTH):
    """About ``length`` characters of ``text``, cut at a word and marked "…" when cut."""
    flat = " ".join(text.split())
    if len(flat) <= length:
        return flat
    cut = flat[:length].rsplit(" ", 1)[0].rstrip(",;:.-–—(«\"'")
    return f"{cut}…"


def reading_minutes(words):
    return max(1, math.ceil(words / WORDS_PER_MINUTE))


def content_hash(report):
    """A digest of everything the report says (warnings aside) and of this loader's rules."""
    payload = {
        "loader": LOADER_VERSION,
        "edition": asdict(report.edition),
        "experts": [asdict(e) for e in report.experts],
        "trends": [asdict(t) for t in report.trends],
        "keywords": [asdict(k) for k in report.keywords],
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


class Sync:
    """Make a table's rows match the desired rows, by a natural key, counting what changed."""

    def __init__(self, result):
        self.result = result

    def rows(self, model, key, desired, scope=None, delete=True):
        """Insert, update (and delete, within ``scope``) so ``model`` holds ``desired``.

        :param key: the natural key of a row dict (ids of foreign keys, not objects)
        :returns: ``{key: id}`` for every desired row
        """
        query = model.select() if scope is None else model.select().where(scope)
        existing = {key(row): row for row in query.dicts()}
        if scope is None and desired:
            wanted = {key(row) for row in desired}
            existing = {k: row for k, row in existing.items() if k in wanted}
        ids, inserts = {}, []
        for row in desired:
            current = existing.pop(key(row), None)
            if current is None:
                inserts.append(row)
                continue
            ids[key(row)] = current["id"]
            changed = {name: value for name, value in row.items() if current[name] != value}
            if changed:
                model.update(**changed).where(model.id == current["id"]).execute()
                self.result.changes[f"{model.__name__} updated"] += 1
        for batch in chunked(inserts, BATCH):
            model.insert_many(batch).execute()
        if inserts:
            self.result.changes[f"{model.__name__} inserted"] += len(inserts)
            wanted = {key(row) for row in inserts}
            query = model.select() if scope is None else model.select().where(scope)
            ids.update({key(r): r["id"] for r in query.dicts() if key(r) in wanted})
        if delete and existing:
            for batch in chunked([row["id"] for row in existing.values()], BATCH):
                model.delete().where(model.id.in_(batch)).execute()
            self.result.changes[f"{model.__name__} deleted"] += len(existing)
        self.result.counts[model.__name__] = len(desired)
        return ids


def load_report(report):
    """Store ``report`` (one edition) in the database, in one transaction.

    :returns: a :class:`LoadResult`; ``changed`` is False when the database already held it
    """
    result = LoadResult()
    sync = Sync(result)
    with db.atomic():
        if is_postgres():  # one seed at a time; the second waits for the first
            db.execute_sql("SELECT pg_advisory_xact_lock(%s)", (SEED_LOCK,))
        edition_id = load_edition(sync, report)
        expert_ids = load_experts(sync, report)
        trend_ids = load_trends(sync, report, edition_id, expert_ids)
        keyword_ids = load_keywords(sync, report, trend_ids)
        load_search_entries(sync, report, edition_id, trend_ids, expert_ids, keyword_ids)
        remove_orphans(result)
        recount(result)
        result.data_version = store_version(result)
    return result


def load_edition(sync, report):
    e = report.edition
    row = {
        "year": e.year,
        "title": e.title,
        "subtitle": e.subtitle,
        "publisher": e.publisher,
        "language": e.language,
        "editor": e.editor,
        "introduction": e.introduction,
        "source_url": e.source_url,
        "content_hash": content_hash(report),
    }
    ids = sync.rows(Edition, lambda r: r["year"], [row], Edition.year == e.year)
    return ids[e.year]


def load_experts(sync, report):
    rows = [
        {
            "slug": x.slug,
            "name": x.name,
            "name_original": x.name_original,
            "sort_name": sort_key(x.name),
            "organization": x.organization,
            "organization_key": fold(x.organization) if x.organization else None,
            "roles": x.roles,
            "bio": x.bio,
        }
        for x in report.experts
    ]
    ids = sync.rows(Expert, lambda r: r["slug"], rows, delete=False)
    links = [
        {"expert": ids[x.slug], "position": i, "kind": link.kind, "url": link.url}
        for x in report.experts
        for i, link in enumerate(x.links)
    ]
    sync.rows(
        ExpertLink,
        lambda r: (r["expert"], r["position"]),
        links,
        ExpertLink.expert.in_(list(ids.values())),
    )
    return ids


def load_trends(sync, report, edition_id, expert_ids):
    rows = [
        {
            "edition": edition_id,
            "number": t.number,
            "slug": t.slug,
            "title": t.title,
            "subtitle": t.subtitle,
            "sort_title": sort_key(t.title),
            "expert": expert_ids.get(t.expert_slug),
            "excerpt": excerpt(t.plain_text),
            "plain_text": t.plain_text,
            "word_count": t.word_count,
            "reading_time_minutes": reading_minutes(t.word_count),
            "footnotes": [asdict(f) for f in t.footnotes],
            "links": [asdict(link) for link in t.links],
            "image_credit": t.image_credit,
        }
        for t in report.trends
    ]
    ids = sync.rows(Trend, lambda r: r["number"], rows, Trend.edition == edition_id)
    sections = [
        {
            "trend": ids[t.number],
            "position": i,
            "heading": s.heading,
            "level": s.level,
            "blocks": [asdict(b) for b in s.blocks],
        }
        for t in report.trends
        for i, s in enumerate(t.sections)
    ]
    in_edition = Trend.select(Trend.id).where(Trend.edition == edition_id)
    sync.rows(Section, lambda r: (r["trend"], r["position"]), sections, Section.trend.in_(in_edition))
    signature_rows = [
        {"trend": ids[number], "term": term, "weight": weight}
        for number, signature in signatures(report.trends).items()
        for term, weight in signature.items()
    ]
    sync.rows(TrendTerm, lambda r: (r["trend"], r["term"]), signature_rows, TrendTerm.trend.in_(in_edition))
    return ids


def signatures(trends):
    """Each trend's most distinctive analysed words (TF-IDF within its edition), as unit vectors.

    The sum of weight products over the terms two trends share is then their cosine similarity.
    The title counts twice.
    """
    counts = {t.number: Counter(terms(f"{t.title}\n{t.title}\n{t.plain_text}")) for t in trends}
    frequency = Counter(term for words in counts.values() for term in words)
    result = {}
    for number, words in counts.items():
        scores = {
            term: (1 + math.log(n)) * math.log(len(counts) / frequency[term])
            for term, n in words.items()
            if frequency[term] < len(counts)
        }
        top = sorted(scores.items(), key=lambda item: (-item[1], item[0]))[:SIGNATURE_TERMS]
        norm = math.sqrt(sum(weight * weight for _, weight in top)) or 1.0
        result[number] = {term: round(weight / norm, 6) for term, weight in top}
    return result


def load_keywords(sync, report, trend_ids):
    rows = [
        {
            "slug": k.slug,
            "term": k.term,
            "sort_term": sort_key(k.term),
            "search_text": fold(k.term),
        }
        for k in report.keywords
    ]
    ids = sync.rows(Keyword, lambda r: r["slug"], rows, delete=False)
    links = [
        {
            "trend": trend_ids[link.trend_number],
            "keyword": ids[k.slug],
            "weight": link.weight,
            "evidence": link.evidence,
            "location": link.location,
        }
        for k in report.keywords
        for link in k.links
    ]
    in_edition = list(trend_ids.values())
    sync.rows(
        TrendKeyword,
        lambda r: (r["trend"], r["keyword"]),
        links,
        TrendKeyword.trend.in_(in_edition),
    )
    return ids


def analysed(*texts):
    """The analysed terms of some texts, as the search index stores them."""
    return " ".join(terms("\n".join(text for text in texts if text)))


def entry(kind, object_id, title, body, edition=None):
    return {"kind": kind, "object_id": object_id, "edition_id": edition, "title_terms": title, "body_terms": body}


def load_search_entries(sync, report, edition_id, trend_ids, expert_ids, keyword_ids):
    """What the full-text index holds: title and body terms of each trend, expert, keyword."""
    key = lambda r: (r["kind"], r["object_id"])  # noqa: E731
    trends = [
        entry("trend", trend_ids[t.number], analysed(t.title, t.subtitle), analysed(t.plain_text), edition_id)
        for t in report.trends
    ]
    in_edition = (SearchEntry.kind == "trend") & SearchEntry.object_id.in_(list(trend_ids.values()))
    sync.rows(SearchEntry, key, trends, in_edition)
    others = [
        entry("expert", expert_ids[x.slug], analysed(x.name), analysed(x.organization, *x.roles, *x.bio))
        for x in report.experts
    ] + [entry("keyword", keyword_ids[k.slug], analysed(k.term), "") for k in report.keywords]
    sync.rows(SearchEntry, key, others, delete=False)


def remove_orphans(result):
    """Experts and keywords no edition speaks of any more, and their search entries."""
    for model, link in ((Expert, Trend.expert), (Keyword, TrendKeyword.keyword)):
        used = link.model.select(link).where(link.is_null(False))
        deleted = model.delete().where(model.id.not_in(used)).execute()
        if deleted:
            result.changes[f"{model.__name__} deleted"] += deleted
    for kind, model in (("trend", Trend), ("expert", Expert), ("keyword", Keyword)):
        gone = SearchEntry.delete().where(SearchEntry.kind == kind, SearchEntry.object_id.not_in(model.select(model.id)))
        deleted = gone.execute()
        if deleted:
            result.changes["SearchEntry deleted"] += deleted


def recount(result):
    """Store each expert's and keyword's number of trends, for sorting and listing."""
    for model, link in ((Expert, Trend.expert), (Keyword, TrendKeyword.keyword)):
        counts = dict(
            link.model.select(link, fn.COUNT(link.model.id)).where(link.is_null(False)).group_by(link).tuples()
        )
        for row_id, current in model.select(model.id, model.trend_count).tuples():
            if counts.get(row_id, 0) != current:
                model.update(trend_count=counts.get(row_id, 0)).where(model.id == row_id).execute()
                result.changes[f"{model.__name__} updated"] += 1


def store_version(result):
    """The data version: a digest of every edition's content, what ETags are made of."""
    hashes = sorted(h for (h,) in Edition.select(Edition.content_hash).tuples())
    version = hashlib.sha256("\n".join(hashes).encode()).hexdigest()[:16]
    current = Metadata.get_or_none(Metadata.key == "data_version")
    if current is None:
        Metadata.create(key="data_version", value=version)
    elif current.value != version:
        Metadata.update(value=version).where(Metadata.key == "data_version").execute()
    if current is None or current.value != version:
        result.changes["Metadata updated"] += 1
    return version
