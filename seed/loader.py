"""Records to rows, in one transaction, matched on natural keys: a second run changes nothing.

Rows are compared with what the database holds and only the differences are written, so ids
stay stable across re-seeds and the data version changes only when the data does.
"""

import hashlib
import json
import math
from importlib import metadata
from collections import Counter
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np
from peewee import OperationalError, chunked, fn

from api import analysis
from api.analysis import fold, label_key, sort_key, terms
from api.db import db, is_postgres
from api.search import index, semantic, snippets
from api.models import (
    ConceptVector,
    Edition,
    Expert,
    ExpertLink,
    Keyword,
    KeywordLabel,
    KeywordSuggestion,
    MODELS,
    Metadata,
    Passage,
    Section,
    Trend,
    TrendKeyword,
    TrendNeighbour,
    TrendTerm,
)

from .concepts import relations
from .sync import Sync

LOADER_VERSION = 4  # bump when the rows made from the same records change
EXCERPT_LENGTH = 300
WORDS_PER_MINUTE = 230  # silent reading speed of French prose
SIGNATURE_TERMS = 30  # distinctive words kept per trend for text similarity
SEED_LOCK = 0x7E5D  # PostgreSQL advisory lock taken by a seed
FOREVER_MS = 2**31 - 1  # the longest lock wait SQLite and PostgreSQL take (24 days)


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


def stored(record):
    """A block or footnote as its JSON column holds it: without the report line it was read at."""
    return {name: value for name, value in asdict(record).items() if name != "line"}


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


class SeedLocked(Exception):
    """Another seed (on SQLite, any writer, a migration too) still held the database when the
    wait ran out."""

    def __init__(self, wait):
        state = f"was still writing to the database after {wait:g} s" if wait else "is writing to the database"
        super().__init__(f"another seed {state}")


def load_report(report, wait=None, on_wait=None):
    """Store ``report`` (one edition) in the database, in one transaction, one seed at a time.

    :param wait: seconds to wait for another seed to finish (None: as long as it takes)
    :param on_wait: called, with no argument, before waiting for another seed
    :returns: a :class:`LoadResult`; ``changed`` is False when the database already held it
    :raises SeedLocked: when another seed still runs after ``wait`` seconds; nothing changed
    """
    sync = Sync()
    vectors = meaning_vectors(report)
    with seed_transaction(wait, on_wait):
        edition_id = load_edition(sync, report)
        expert_ids, current = load_experts(sync, report)
        keyword_ids = load_keywords(sync, report)
        trend_ids = load_trends(sync, report, edition_id, expert_ids, keyword_ids)
        load_links(sync, report, trend_ids, keyword_ids)
        load_passages(sync, report, edition_id, trend_ids, vectors)
        load_meaning(sync, report, edition_id, trend_ids, keyword_ids, vectors[0])
        remove_orphans(sync, {k.slug for k in report.keywords if k.thesaurus})
        load_search_entries(sync, report, edition_id, trend_ids, expert_ids, current, keyword_ids)
        recount(sync)
        rename_elsewhere(sync, edition_id)
        version = store_version(sync)
    result = LoadResult(sync.counts, sync.changes, version)
    if result.changed:
        refresh_statistics()
    return result


def refresh_statistics():
    """On PostgreSQL, ANALYZE the tables a seed has just filled: the planner otherwise plans with
    the statistics of the empty tables until autovacuum comes by (a minute or more later), with
    plans that cost two to three times as much on a large report (bench/scale.py, 1000x).
    SQLite plans without statistics unless ANALYZE was run once, which the seed never does, so
    it has nothing to refresh."""
    if is_postgres():
        for table in [model._meta.table_name for model in MODELS] + list(index.TABLES):
            db.execute_sql(f'ANALYZE "{table}"')


@contextmanager
def seed_transaction(wait, on_wait):
    """A transaction that holds the seed lock from its first statement: of two seeds, the second
    waits before reading anything, then loads over what the first committed.

    On SQLite the lock is the database's write lock (``BEGIN IMMEDIATE``: a deferred
    transaction that read before the other seed committed could not write after it); on
    PostgreSQL an advisory lock, readers being never blocked there.
    """
    lock = take_advisory_lock if is_postgres() else begin_immediate
    with ExitStack() as transaction:
        if not lock(transaction, 0):
            if wait != 0 and on_wait:
                on_wait()
            if wait == 0 or not lock(transaction, wait):
                raise SeedLocked(wait)
        yield


def begin_immediate(transaction, wait):
    """Enter an SQLite transaction holding the write lock, waiting ``wait`` seconds at most
    (None: no limit); False when another writer kept the lock."""
    timeout = FOREVER_MS if wait is None else min(FOREVER_MS, round(wait * 1000))
    own = db.execute_sql("PRAGMA busy_timeout").fetchone()[0]
    db.execute_sql(f"PRAGMA busy_timeout = {int(timeout)}")
    try:
        transaction.enter_context(db.atomic(lock_type="IMMEDIATE"))
    except OperationalError as error:
        if "locked" not in str(error):
            raise
        return False
    finally:
        db.execute_sql(f"PRAGMA busy_timeout = {int(own)}")  # the connection's own
    return True


def take_advisory_lock(transaction, wait):
    """Enter a PostgreSQL transaction holding the seed's advisory lock, waiting ``wait``
    seconds at most (None: no limit); False when another seed kept it."""
    if not db.in_transaction():
        transaction.enter_context(db.atomic())
    db.execute_sql("SET LOCAL statement_timeout = 0")  # the served statement timeout is not for seeds
    if wait == 0:
        return db.execute_sql("SELECT pg_try_advisory_xact_lock(%s)", (SEED_LOCK,)).fetchone()[0]
    timeout = 0 if wait is None else min(FOREVER_MS, max(1, round(wait * 1000)))  # 0: no limit
    db.execute_sql(f"SET LOCAL lock_timeout = {int(timeout)}")
    try:
        db.execute_sql("SELECT pg_advisory_xact_lock(%s)", (SEED_LOCK,))
    except OperationalError as error:
        driver_error = error.__cause__ or error.__context__
        if getattr(driver_error, "sqlstate", None) != "55P03":  # lock_not_available: lock_timeout ran out
            raise
        return False
    db.execute_sql("SET LOCAL lock_timeout = DEFAULT")
    return True


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


def counts_elsewhere(link, slug_field, year):
    """``{slug: trends}`` of experts or keywords in the editions other than ``year``'s."""
    trends = fn.COUNT(Trend.id)
    query = link.model.select(slug_field, trends).join_from(link.model, slug_field.model)
    if link.model is not Trend:
        query = query.join_from(link.model, Trend)
    return dict(query.join_from(Trend, Edition).where(Edition.year != year).group_by(slug_field).tuples())


def load_experts(sync, report):
    """Experts are shared by editions; each shows what their latest edition prints.

    :returns: ``({slug: id}, slugs whose row this edition wrote)``; an expert who also writes
        in a later edition keeps that edition's roles, organisation, links and bio, so the
        order in which editions are seeded does not matter.
    """
    year = report.edition.year
    later = set(Expert.select(Expert.slug).join(Trend).join(Edition).where(Edition.year > year).tuples())
    later = {slug for (slug,) in later}
    counts = Counter(t.expert_slug for t in report.trends if t.expert_slug)
    counts.update(counts_elsewhere(Trend.expert, Expert.slug, year))
    current = [x for x in report.experts if x.slug not in later]
    rows = [
        {
            "slug": x.slug,
            "name": x.name,
            "name_original": x.name_original,
            "sort_name": sort_key(x.name),
            "organization": x.organization,
            "organization_key": fold(x.organization) if x.organization else None,
            "roles": x.roles,
            "bio": [block.text for block in x.bio],
            "bio_html": [block.html for block in x.bio],
            "trend_count": counts[x.slug],
        }
        for x in current
    ]
    ids = sync.rows(Expert, lambda r: r["slug"], rows, delete=False)
    ids.update(Expert.select(Expert.slug, Expert.id).where(Expert.slug.in_(list(later))).tuples())
    links = [
        {"expert": ids[x.slug], "position": i, "kind": link.kind, "url": link.url}
        for x in current
        for i, link in enumerate(x.links)
    ]
    owned = [ids[x.slug] for x in current]
    sync.rows(ExpertLink, lambda r: (r["expert"], r["position"]), links, ExpertLink.expert.in_(owned))
    return ids, {x.slug for x in current}


def load_trends(sync, report, edition_id, expert_ids, keyword_ids):
    about = about_keywords(linked_keywords(report), keyword_ids)
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
            "footnotes": [stored(f) for f in t.footnotes],
            "links": [asdict(link) for link in t.links],
            "image_credit": t.image_credit,
            "about_keywords": about.get(t.number, []),
        }
        for t in report.trends
    ]
    ids = sync.rows(Trend, lambda r: r["number"], rows, Trend.edition == edition_id, unique=("slug",))
    sections = [
        {
            "trend": ids[t.number],
            "position": i,
            "heading": s.heading,
            "heading_html": s.heading_html,
            "level": s.level,
            "blocks": [stored(b) for b in s.blocks],
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


def trend_passages(trend):
    """``(position, passage, text)`` of each passage of a trend (api/search/semantic.py)."""
    texts = {"title": trend.title, "subtitle": trend.subtitle or "", "plain_text": trend.plain_text}
    for position, passage in enumerate(semantic.passages(trend.title, trend.subtitle, trend.plain_text)):
        yield position, passage, passage.text_of(texts)


def concepts(report):
    """``(keyword, text to embed)`` of each concept of the thesaurus (api/search/semantic.py)."""
    for k in report.keywords:
        if k.thesaurus:
            labels = [*(k.labels or {"fr": k.term}).values(), *(label for found in k.alt_labels.values() for label in found)]
            yield k, semantic.concept_text(labels)


def meaning_vectors(report):
    """``({text hash: vector bytes}, {kind: embedded})``: the vector of every passage of the
    report's trends and of every concept of the thesaurus, as the database holds it (by text
    hash: the same text, the same model), kept by this process or embedded now (``embedded``:
    how many passages and concepts). Run before the seed's transaction: its locks are not held
    while the model works (24 s for a report 20 times the real one)."""
    passages = {semantic.text_hash(text): text for t in report.trends for _, _, text in trend_passages(t)}
    named = {semantic.text_hash(text): text for _, text in concepts(report)}
    stored = {}
    for model, keys in ((Passage, passages), (ConceptVector, named)):
        for batch in chunked(sorted(keys), 500):
            stored.update(model.select(model.text_hash, model.vector).where(model.text_hash.in_(batch)).tuples())
    missing = {key: text for key, text in {**passages, **named}.items() if key not in stored}
    stored.update(semantic.vectors_for(missing))
    kinds = (("Passage", passages), ("ConceptVector", named))
    return stored, {kind: sum(1 for key in keys if key in missing) for kind, keys in kinds}


def load_passages(sync, report, edition_id, trend_ids, vectors):
    """Each trend's passages with the vectors of their meaning (:func:`meaning_vectors`), and the
    vectors of the thesaurus's concepts (those of concepts gone are removed)."""
    vectors, embedded = vectors
    rows = []
    for t in report.trends:
        for position, passage, text in trend_passages(t):
            key = semantic.text_hash(text)
            row = {"trend": trend_ids[t.number], "position": position, "field": passage.field, "span_start": passage.start}
            rows.append({**row, "span_end": passage.end, "text_hash": key, "vector": bytes(vectors[key])})
    in_edition = Trend.select(Trend.id).where(Trend.edition == edition_id)
    sync.rows(Passage, lambda r: (r["trend"], r["position"]), rows, Passage.trend.in_(in_edition))
    named = sorted({semantic.text_hash(text) for _, text in concepts(report)})
    rows = [{"text_hash": key, "vector": bytes(vectors[key])} for key in named]
    sync.rows(ConceptVector, lambda r: r["text_hash"], rows, ConceptVector.text_hash.is_null(False))
    for kind, count in embedded.items():
        if count:
            sync.changes[f"{kind} embedded"] += count


def load_meaning(sync, report, edition_id, trend_ids, keyword_ids, vectors):
    """Each trend's closest trends of its edition by meaning (``semantic.NEIGHBOURS``), and the
    trend each concept of the thesaurus suggests (:func:`suggested`)."""
    passages = passage_matrix(report, vectors)
    numbers, starts, _, matrix = passages
    ids = [trend_ids[number] for number in numbers]
    neighbours = []
    if len(numbers) > 1:
        for mine, closest in zip(ids, semantic.closest_to_each(semantic.means(matrix, starts), semantic.NEIGHBOURS), strict=True):
            neighbours += [{"trend": mine, "neighbour": ids[other], "similarity": round(cosine, 6)} for other, cosine in closest]
    in_edition = Trend.select(Trend.id).where(Trend.edition == edition_id)
    sync.rows(TrendNeighbour, lambda r: (r["trend"], r["neighbour"]), neighbours, TrendNeighbour.trend.in_(in_edition))
    suggestions = [
        {"keyword": keyword_ids[k.slug], "trend": trend_ids[number], "similarity": round(cosine, 6), "passage": passage}
        for k, number, cosine, passage in suggested(report, vectors, passages=passages)
    ]
    sync.rows(KeywordSuggestion, lambda r: (r["keyword"], r["trend"]), suggestions, KeywordSuggestion.trend.in_(in_edition))


def passage_matrix(report, vectors):
    """``(numbers, starts, texts, matrix)``: each trend's number and the row its passages start at,
    every passage's text, and their vectors as one matrix (a trend's passages in a run)."""
    numbers, starts, texts = [], [], []
    for t in report.trends:
        numbers.append(t.number)
        starts.append(len(texts))
        texts += [text for _, _, text in trend_passages(t)]
    vectors_of = [semantic.from_bytes(vectors[semantic.text_hash(text)]) for text in texts]
    matrix = np.vstack(vectors_of) if texts else np.zeros((0, semantic.DIMENSIONS), dtype=np.float32)
    return numbers, np.array(starts, dtype=np.int64), texts, matrix


def suggested(report, vectors, floor=None, count=None, passages=None):
    """``[(keyword, trend number, cosine, passage text), ...]``: for each concept of the thesaurus,
    the trends of ``report`` it is not linked to (no label of it names them, or too little to link)
    whose passage closest to it is at least ``floor`` close (``semantic.SUGGESTION_FLOOR``),
    closest first, ``count`` at most (``semantic.SUGGESTIONS``); make eval judges other floors and
    counts (bench/suggestions.toml). ``passages``: :func:`passage_matrix`'s, if made already."""
    floor = semantic.SUGGESTION_FLOOR if floor is None else floor
    count = semantic.SUGGESTIONS if count is None else count
    numbers, starts, texts, matrix = passages or passage_matrix(report, vectors)
    named = list(concepts(report))
    if not named or not texts:
        return []
    queries = np.vstack([semantic.from_bytes(vectors[semantic.text_hash(text)]) for _, text in named])
    position = {number: group for group, number in enumerate(numbers)}
    linked = {(row, position[link.trend_number]) for row, (k, _) in enumerate(named) for link in k.links}
    found = semantic.best_by_group(queries, matrix, starts, floor, count, linked)
    return [
        (k, numbers[group], cosine, texts[row])
        for (k, _), close in zip(named, found, strict=True)
        for group, cosine, row in close
    ]


def linked_keywords(report):
    """The keywords a load stores: the cloud's terms about at least one trend (the parser warns
    of the others) and every concept of the thesaurus."""
    return [k for k in report.keywords if k.links or k.thesaurus]


def strongest_first(weight, sort_term, slug):
    """The order of a trend's keywords in ``Trend.about_keywords``: strongest link first, then
    as the keyword list sorts (seed/loader.py and migration 0012 alike)."""
    return (-weight, sort_term, slug)


def about_keywords(keywords, keyword_ids):
    """``{trend number: [[id, slug, term], ...]}``: the keywords each trend is about, strongest
    link first (``Trend.about_keywords``)."""
    found = {}
    for k in keywords:
        for link in k.links:
            if link.grade == "about":
                found.setdefault(link.trend_number, []).append((strongest_first(link.weight, sort_key(k.term), k.slug), k))
    return {
        number: [[keyword_ids[k.slug], k.slug, k.term] for _, k in sorted(refs, key=lambda ref: ref[0])]
        for number, refs in found.items()
    }


def rename_elsewhere(sync, edition_id):
    """The keywords other editions' trends are about, as ``about_keywords`` keeps them, written
    again where this load renamed one (a thesaurus's new preferred label): the rows of this
    edition's trends were written with it."""
    found = {}
    query = (
        TrendKeyword.select(TrendKeyword.trend, TrendKeyword.weight, Keyword.sort_term, Keyword.id, Keyword.slug, Keyword.term)
        .join(Keyword)
        .switch(TrendKeyword)
        .join(Trend)
        .where(TrendKeyword.grade == "about", Trend.edition != edition_id)
        .tuples()
    )
    for trend_id, weight, sort_term, *ref in query:
        found.setdefault(trend_id, []).append((strongest_first(weight, sort_term, ref[1]), ref))
    others = Trend.select(Trend.id, Trend.about_keywords).where(Trend.edition != edition_id).tuples()
    for trend_id, current in others:
        wanted = [ref for _, ref in sorted(found.get(trend_id, []), key=lambda each: each[0])]
        if current != wanted:
            Trend.update(about_keywords=wanted).where(Trend.id == trend_id).execute()
            sync.changes["Trend updated"] += 1


def load_keywords(sync, report):
    """The keywords a load stores (:func:`linked_keywords`), with their labels and relations."""
    keywords = linked_keywords(report)
    counts = Counter({k.slug: len(k.links) for k in keywords})
    counts.update(counts_elsewhere(TrendKeyword.keyword, Keyword.slug, report.edition.year))
    terms_by_slug = {k.slug: k.term for k in keywords}
    related = relations(keywords)
    rows = [
        {
            "slug": k.slug,
            "term": k.term,
            "sort_term": sort_key(k.term),
            "search_text": fold(k.term),
            "trend_count": counts[k.slug],
            "kind": k.kind,
            "labels": k.labels or {"fr": k.term},
            "alt_labels": k.alt_labels,
            "relations": {name: [[slug, terms_by_slug[slug]] for slug in slugs] for name, slugs in related[k.slug].items()},
        }
        for k in keywords
    ]
    ids = sync.rows(Keyword, lambda r: r["slug"], rows, delete=False)
    labels = {}
    for k in keywords:
        named = [(language, label, True) for language, label in (k.labels or {"fr": k.term}).items()]
        named += [(language, label, False) for language, alternatives in k.alt_labels.items() for label in alternatives]
        for language, label, preferred in named:
            labels.setdefault((ids[k.slug], language, label), preferred)
    label_rows = [
        {
            "keyword": keyword_id,
            "language": language,
            "label": label,
            "preferred": preferred,
            "key": label_key(label),
            "search_text": " ".join(fold(label).split()),
        }
        for (keyword_id, language, label), preferred in labels.items()
    ]
    owned = KeywordLabel.keyword.in_(list(ids.values()))
    sync.rows(KeywordLabel, lambda r: (r["keyword"], r["language"], r["label"]), label_rows, owned)
    return ids


def load_links(sync, report, trend_ids, keyword_ids):
    """Each trend's graded links to the keywords it names."""
    links = [
        {
            "trend": trend_ids[link.trend_number],
            "keyword": keyword_ids[k.slug],
            "weight": link.weight,
            "evidence": link.evidence,
            "location": link.location,
            "grade": link.grade,
        }
        for k in linked_keywords(report)
        for link in k.links
    ]
    in_edition = list(trend_ids.values())
    sync.rows(TrendKeyword, lambda r: (r["trend"], r["keyword"]), links, TrendKeyword.trend.in_(in_edition))


def load_search_entries(sync, report, edition_id, trend_ids, expert_ids, current_experts, keyword_ids):
    """What the full-text index holds (api/search/index.py): this edition's trends, the experts
    it wrote and its keywords; entries of what is gone leave it."""
    entries = (
        [index.entry("trend", trend_ids[t.number], t, edition_id) for t in report.trends]
        + [
            index.entry("expert", expert_ids[x.slug], replace(x, bio=[block.text for block in x.bio]))
            for x in report.experts
            if x.slug in current_experts
        ]
        + [index.entry("keyword", keyword_ids[k.slug], k) for k in report.keywords if k.slug in keyword_ids]
    )
    sync.changes.update(index.update(entries))
    sync.counts["SearchEntry"] = len(entries)


def remove_orphans(sync, concepts):
    """Experts and keywords no edition speaks of any more, but the thesaurus's ``concepts`` (slugs)."""
    for model, link in ((Expert, Trend.expert), (Keyword, TrendKeyword.keyword)):
        used = link.model.select(link).where(link.is_null(False))
        orphan = model.id.not_in(used)
        if model is Keyword and concepts:
            orphan &= Keyword.slug.not_in(list(concepts))
        deleted = model.delete().where(orphan).execute()
        if deleted:
            sync.changes[f"{model.__name__} deleted"] += deleted


def recount(sync):
    """Trend counts of the experts and keywords this edition did not write (they may have lost
    trends of it); those it wrote were counted as they were stored."""
    for model, link in ((Expert, Trend.expert), (Keyword, TrendKeyword.keyword)):
        counts = dict(link.model.select(link, fn.COUNT(link.model.id)).where(link.is_null(False)).group_by(link).tuples())
        for row_id, current in model.select(model.id, model.trend_count).tuples():
            if counts.get(row_id, 0) != current:
                model.update(trend_count=counts.get(row_id, 0)).where(model.id == row_id).execute()
                sync.changes[f"{model.__name__} updated"] += 1


# The code that derives the search index, snippets' offsets and passages' vectors from the
# report: an upgrade that changes it (an analyser that reads words otherwise, another model)
# rewrites them though the report is the same, and search answers change with them.
DERIVING = (analysis, index, snippets, semantic)


def derivation():
    """A digest of the code that derives what the seed stores beside the report (and of the
    stemmer's and the model's versions): part of the data version."""
    digest = hashlib.sha256(f"{metadata.version('snowballstemmer')} {semantic.MODEL}".encode())
    for module in DERIVING:
        digest.update(Path(module.__file__).read_bytes())
    return digest.hexdigest()[:16]


def store_version(sync):
    """The data version, what ETags are made of: a digest of every edition's content and of the
    code that derives the index from it (:func:`derivation`), so that an answer that changed
    never keeps its ETag; the same report seeded by the same code has the same version."""
    hashes = sorted(h for (h,) in Edition.select(Edition.content_hash).tuples())
    version = hashlib.sha256("\n".join([*hashes, derivation()]).encode()).hexdigest()[:16]
    current = Metadata.get_or_none(Metadata.key == "data_version")
    if current is None:
        Metadata.create(key="data_version", value=version)
        sync.changes["Metadata inserted"] += 1
    elif current.value != version:
        Metadata.update(value=version).where(Metadata.key == "data_version").execute()
        sync.changes["Metadata updated"] += 1
    return version
