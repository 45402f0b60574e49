"""A search's answer: the hits of one page, with snippets, counts by type, and facets.

An answer takes a fixed number of statements, whatever the page holds: the ranking with the
count of hits by type (api/search/index.py; on SQLite, a second one counts when there are
more hits than the facets' sample; the query is embedded meanwhile), the trends its exclusions
keep out of meaning's ranking (for a query that excludes), and the rows of the page's hits with
the offsets of their words; facets are counted in memory (api/search/facets.py).
Before them, the view looks up the keywords the query names (api/search/expansion.py); a query
that finds nothing is ranked again, relaxed, and its words are compared with the index's
vocabulary.

These statements are written out: Peewee took longer to build them than the database to run
them (an answer cost 1.2 ms more in process). Ids are written in as literals, as
``api.db.in_ids`` writes them: ``int()`` keeps anything but integers out of the SQL.
"""

import html
from dataclasses import dataclass
from functools import partial
from typing import NamedTuple

from flask import request
from rapidfuzz import fuzz, process

from ..cache import request_version
from ..db import db
from ..models import Expert
from ..schemas import href, trend_url
from . import index, semantic, snippets
from .expansion import expand
from .facets import facets
from .syntax import positive_text

KINDS = ("trend", "expert", "keyword")
SNIPPETS_PER_HIT = 3
# Keyword and expert facets count the trend hits among this many best hits: their cost stays
# bounded however many trends a common word matches (facets say when they are a sample).
FACET_SAMPLE = 1000

# The rows of a page's hits, every kind in one statement (a round trip each cost more than the
# lookups): each kind's columns in the same places, NULL where a kind has none. Offsets are
# found by search entry id, which packs the kind (api/models.py SearchEntry.id_for).
HIT_ROWS = {
    "trend": """
        SELECT 'trend', t.id, t.slug, t.number, e.year, t.title, t.subtitle, t.plain_text, NULL, o.offsets
        FROM trend t JOIN edition e ON e.id = t.edition_id LEFT JOIN search_offsets o ON o.id = t.id * 4
        WHERE t.id IN ({ids})""",
    "expert": """
        SELECT 'expert', x.id, x.slug, NULL, NULL, x.name, x.organization, x.roles, x.bio, o.offsets
        FROM expert x LEFT JOIN search_offsets o ON o.id = x.id * 4 + 1
        WHERE x.id IN ({ids})""",
    "keyword": """
        SELECT 'keyword', k.id, k.slug, NULL, NULL, k.term, NULL, NULL, NULL, o.offsets
        FROM keyword k LEFT JOIN search_offsets o ON o.id = k.id * 4 + 2
        WHERE k.id IN ({ids})""",
    "passage": """
        SELECT 'passage', p.id, p.field, p.span_start, p.span_end, NULL, NULL, NULL, NULL, NULL
        FROM passage p WHERE p.id IN ({ids})""",
}


class EditionYear(NamedTuple):
    year: int


# A hit's row: what it shows, the texts its snippets come from (api.search.index.texts), and
# where their words stand (None until a seed stores it).
class TrendRow(NamedTuple):
    id: int
    slug: str
    number: int
    title: str
    subtitle: str | None
    plain_text: str
    edition: EditionYear
    offsets: str | None


class ExpertRow(NamedTuple):
    id: int
    slug: str
    name: str
    organization: str | None
    roles: list
    bio: list
    offsets: str | None


class KeywordRow(NamedTuple):
    id: int
    slug: str
    term: str
    offsets: str | None


RRF_K = 60  # reciprocal rank fusion's constant (Cormack, Clarke and Büttcher, 2009)
WEIGHTS = (1.0, 1.0)  # of the ranks by words and by meaning in the fusion (make eval compares others)


@dataclass(frozen=True)
class Signals:
    """Why a hit was found: its rank (and score) by words, its rank by meaning (and how close
    its best passage is), either None when that signal did not find it."""

    words: tuple | None = None  # (rank, score)
    meaning: tuple | None = None  # (rank, semantic.Near)

    def describe(self):
        words = meaning = None
        if self.words:
            words = {"rank": self.words[0], "score": round(self.words[1], 4)}
        if self.meaning:
            meaning = {"rank": self.meaning[0], "similarity": round(self.meaning[1].similarity, 4)}
        return {"words": words, "meaning": meaning}


def fuse(best, counts, near, exhaustive, floor=None):
    """The hits found by words (``best``, ranked) and the trends found by meaning (``near``,
    ranked) in one ranking, by reciprocal rank fusion: each hit scores ``weight / (RRF_K + rank)``
    for each ranking that holds it (``WEIGHTS``). Experts and keywords, which meaning does not
    search, count their rank by words for both, so that they keep their place among trends
    (else a mixed search would push them below every trend meaning ranks). Meaning ranks every
    trend but those the query's exclusions keep out (:func:`nearest`); one that no word found is
    added only if its similarity is at least ``floor``, and only when the words' hits are all
    there (``exhaustive``): past that, meaning only ranks the sample again.

    :returns: ``[(kind, id, score, Signals), ...]`` best first, and the counts by type
    """
    by_words = {(kind, object_id): (rank, score) for rank, (kind, object_id, score) in enumerate(best, 1)}
    by_meaning = {("trend", found.trend_id): (rank, found) for rank, found in enumerate(near, 1)}
    added = [
        key for key, (_, found) in by_meaning.items() if key not in by_words and (floor is None or found.similarity >= floor)
    ]
    if not exhaustive:
        added = []
    fused = []
    for key in [*by_words, *added]:
        words, meaning = by_words.get(key), by_meaning.get(key)
        if near and key[0] != "trend":  # meaning searches trends only: an expert or keyword keeps its place by words
            score = (WEIGHTS[0] + WEIGHTS[1]) / (RRF_K + words[0])
        else:
            score = (WEIGHTS[0] / (RRF_K + words[0]) if words else 0.0) + (WEIGHTS[1] / (RRF_K + meaning[0]) if meaning else 0.0)
        fused.append((*key, score, Signals(words, meaning)))
    fused.sort(key=lambda hit: -hit[2])  # stable: ties keep the words' order, then meaning's
    if added:
        counts = {**counts, "trend": counts.get("trend", 0) + len(added)}
    return fused, counts


def nearest(embedded, search, edition_id):
    """The trends (of ``edition_id``, or all) by meaning, closest first (api/search/semantic.py),
    but those holding a word or phrase the query excludes: "marketing -influenceurs" keeps out
    by meaning what it keeps out by words (a statement, for a query that excludes), before the
    closest ``semantic.TOP`` are taken."""
    held = index.trends_holding(search.excluded, edition_id) if search.excluded else ()
    return semantic.nearest(embedded, request_version(request.environ, db), edition_id, None, semantic.TOP, held)


def level_of(similarity):
    """2: a trend this close joins the hits by meaning alone; 1: only beside hits of words; 0: neither."""
    return int(similarity >= semantic.FLOOR) + int(similarity >= semantic.FLOOR_BESIDE_WORDS)


def trend_hits(query, edition_id):
    """``(sql, params)`` selecting ``object_id``, ``score`` and ``position`` of the trends of
    ``edition_id`` that a parsed ``query`` finds as /v1/search finds them (unrelaxed): by words
    (the labels of the keywords it names too: api/search/expansion.py) or by meaning above the
    floor, scored as :func:`fuse` scores them, ``position`` breaking ties as it does (the words'
    hits in their order, then meaning's: :data:`HITS_ORDER`); for the lists that take ``q``,
    which join it to their own filters. The database numbers the words' ranks; meaning's are
    written in (at most ``semantic.TOP``), each with the level of its similarity: 2 joins the
    hits alone, 1 only beside hits of words."""
    if query.empty:
        return NO_TREND_HITS, []
    search = expand(query)
    embedded = semantic.embed(semantic.query_text(positive_text(query.text), search.expansions))
    words, params = index.hits_sql(search, ["trend"], edition_id)
    numbered = "ROW_NUMBER() OVER (ORDER BY score DESC, object_id)"  # a hit's rank by words
    # Scores are doubles on both engines, as :func:`fuse` adds them (PostgreSQL reads 1.0 as a
    # numeric: sums a few digits apart would break the ties fuse sees).
    weight = f"CAST({WEIGHTS[0]!r} AS DOUBLE PRECISION)"
    ranked = f"SELECT object_id, {weight} / ({RRF_K} + {numbered}) AS score, 3 AS level, {numbered} AS position FROM w"
    near = nearest(embedded, search, edition_id)
    if near:
        values = ", ".join(
            f"({int(found.trend_id)}, {WEIGHTS[1] / (RRF_K + rank)!r}, {level_of(found.similarity)}, {rank})"
            for rank, found in enumerate(near, 1)
        )
        after_words = "(SELECT COUNT(*) FROM w)"  # a trend meaning alone finds ranks after every hit of words
        columns = f"column1, CAST(column2 AS DOUBLE PRECISION), column3, {after_words} + column4"
        ranked += f" UNION ALL SELECT {columns} FROM (VALUES {values}) m"
    sql = (
        f"WITH w AS ({words}) SELECT object_id, SUM(score) AS score, MIN(position) AS position FROM ({ranked}) f "
        "GROUP BY object_id HAVING MAX(level) >= 2 OR (MAX(level) = 1 AND EXISTS (SELECT 1 FROM w))"
    )
    return sql, params


NO_TREND_HITS = "SELECT 0 AS object_id, 0.0 AS score, 0 AS position WHERE 1 = 0"  # what an empty query finds
HITS_ORDER = "hits.position"  # how a list breaks ties of :func:`trend_hits` scores, as /v1/search does


def results(search, kinds, edition_id, page, page_size, relax=False, meaning=None):
    """The answer to a search: the query as answered, the total, facets, one page of hits, when
    no word was found, spelling suggestions (:func:`spellings`), and what each signal found.

    With ``relax``, a query that finds nothing is answered as :meth:`relaxed
    <api.search.syntax.ParsedQuery.any_word>`: any of its words or phrases is then enough, and if
    that finds nothing either, any word of them (the answer's query says so), so that a search
    finds something whenever any of its words is indexed.

    With ``meaning`` (the text to search by meaning, api/search/semantic.py), trends close to it
    join the hits by words (:func:`fuse`): the query is embedded while the words rank.

    The best ``FACET_SAMPLE`` hits (and one more, to know whether there are more) come with
    the count of every hit by type (:func:`api.search.index.best`). A page past the sample is
    read on its own.
    """
    if search.empty:  # stop words alone: nothing to search for, nothing found
        signals = {"words": {"hits": 0}, "meaning": None, "fusion": {"method": "reciprocal rank fusion", "k": RRF_K}}
        return search, 0, facets(dict.fromkeys(kinds, 0), [], True), [], [], signals
    embedding = partial(semantic.embed, meaning) if meaning is not None and "trend" in kinds else None  # only trends have meaning
    best, counts, embedded = index.best(search, kinds, FACET_SAMPLE + 1, edition_id, beside=embedding)
    for split in (False, True) if relax else ():  # nothing with every word: any of them (then of their phrases')
        relaxed = search.any_word(split)
        if best:
            break
        if relaxed is None:  # already any of them (one phrase, say): then any word of its phrases
            continue
        search = relaxed
        best, counts, _ = index.best(search, kinds, FACET_SAMPLE + 1, edition_id)
    exhaustive = len(best) <= FACET_SAMPLE
    best = best[:FACET_SAMPLE]
    near = nearest(embedded, search, edition_id) if embedded is not None else []
    by_words = sum(counts.values())
    floor = semantic.FLOOR_BESIDE_WORDS if by_words and not search.relaxed else semantic.FLOOR
    ranked, counts = fuse(best, counts, near, exhaustive, floor)
    total = sum(counts.values())
    start = (page - 1) * page_size
    if start + page_size <= len(ranked) or exhaustive or start >= total:  # past the end: no query
        window = ranked[start : start + page_size]
    else:  # past the sample: by words alone
        deep = index.ranked(search, kinds, edition_id).paginate(page, page_size)
        window = [
            (kind, object_id, WEIGHTS[0] / (RRF_K + start + rank), Signals((start + rank, score)))
            for rank, (kind, object_id, score) in enumerate(deep, 1)
        ]
    retrieval = {
        "words": {"hits": by_words},
        "meaning": {
            "ranked": len(near),
            "above_floor": sum(found.similarity >= floor for found in near),
            "only_by_meaning": total - by_words,
            "model": semantic.MODEL,
            "floor": floor,
        }
        if embedded is not None
        else None,
        "fusion": {"method": "reciprocal rank fusion", "k": RRF_K},
    }
    sample = [object_id for kind, object_id, _, _ in ranked[:FACET_SAMPLE] if kind == "trend"]
    found = hits(window, search)
    return search, total, facets(counts, sample, exhaustive), found, spellings(search) if not by_words else [], retrieval


MAX_SPELLED = 5  # words of a query given spelling suggestions
MAX_SPELLINGS = 3  # suggestions a word
SPELLING_CUTOFF = 75  # rapidfuzz's ratio (0 to 100) a suggestion needs


def spellings(search):
    """``[{"word": term, "suggestions": [term, ...]}]``: for each word of a query that found
    nothing which the index does not hold, the terms it holds spelled closest (rapidfuzz's
    ratio, at least ``SPELLING_CUTOFF``), as the analyser reads words: searching one finds what
    it finds. One statement, on this path only."""
    words = [t for clause in search.clauses for a in clause if not a.prefix and (len(a.terms) == 1 or a.apart) for t in a.terms]
    words = list(dict.fromkeys(words))[:MAX_SPELLED]
    if not words:
        return []
    vocabulary = index.vocabulary()
    known = set(vocabulary)
    return [
        {
            "word": word,
            "suggestions": [
                found
                for found, _, _ in process.extract(
                    word, vocabulary, scorer=fuzz.ratio, limit=MAX_SPELLINGS, score_cutoff=SPELLING_CUTOFF
                )
            ],
        }
        for word in words
        if word not in known
    ]


def hits(window, search):
    """The hits of a page of ``(kind, object_id, score, Signals)``, each with its snippets: of
    the words that match, or for a trend found by meaning alone, of its passage closest to the
    query."""
    if not window:
        return []
    wanted = {kind: [object_id for k, object_id, _, _ in window if k == kind] for kind in KINDS}
    wanted["passage"] = [signals.meaning[1].passage_id for _, _, _, signals in window if signals.meaning and not signals.words]
    found = rows_of(wanted)
    marker = snippets.marker(search)
    return [
        hit(kind, found[kind][object_id], round(score, 4), signals, marker, found["passage"])
        for kind, object_id, score, signals in window
        if object_id in found[kind]  # a seed may remove it between the statements
    ]


def rows_of(wanted):
    """The rows (:class:`TrendRow`...) of the hits ``wanted`` (``{kind: [id, ...]}``, and the
    passages'), by kind and id."""
    found = {kind: {} for kind in HIT_ROWS}
    sql = " UNION ALL ".join(HIT_ROWS[kind].format(ids=listed(ids)) for kind, ids in wanted.items() if ids)
    if not sql:
        return found
    for kind, row_id, slug, number, year, a, b, c, d, offsets in db.execute_sql(sql).fetchall():
        if kind == "trend":
            row = TrendRow(row_id, slug, number, a, b, c, EditionYear(year), offsets)
        elif kind == "expert":
            row = ExpertRow(row_id, slug, a, b, Expert.roles.python_value(c), Expert.bio.python_value(d), offsets)
        elif kind == "passage":
            row = semantic.Passage(slug, number, year)  # its field, start and end
        else:
            row = KeywordRow(row_id, slug, a, offsets)
        found[kind][row_id] = row
    return found


def hit(kind, row, score, signals, marker, passages):
    offsets = row.offsets
    if offsets is None:  # not stored yet: a database migrated but not seeded since
        offsets = snippets.offsets(index.tokens(kind, row).values())
    texts = index.texts(kind, row)
    found = snippets.snippets(texts, offsets, marker, SNIPPETS_PER_HIT)
    if signals.meaning and not signals.words:
        near = signals.meaning[1]
        passage = passages.get(near.passage_id)
        found = [semantic_snippet(passage, texts, near.similarity)] if passage else []
    if kind == "trend":
        return {
            "type": kind,
            "slug": row.slug,
            "number": row.number,
            "edition": row.edition.year,
            "title": row.title,
            "url": trend_url(row),
            "score": score,
            "signals": signals.describe(),
            "snippets": found,
        }
    return {
        "type": kind,
        "slug": row.slug,
        "number": None,
        "edition": None,
        "title": row.name if kind == "expert" else row.term,
        "url": href(f"/{kind}s/{row.slug}"),
        "score": score,
        "signals": signals.describe(),
        "snippets": found,
    }


def semantic_snippet(passage, texts, similarity):
    """A trend's passage that a query found by meaning, as a snippet: nothing marked, its
    similarity given."""
    text = passage.text_of(texts)
    units = snippets.Units(texts[passage.field])
    return {
        "field": passage.field,
        "start": units(passage.start),
        "end": units(passage.end),
        "text": text,
        "html": html.escape(text, quote=False),
        "matches": [],
        "similarity": round(similarity, 4),
    }


def listed(ids):
    """Integer ids as the items of an SQL list (``NULL`` for none: it matches nothing)."""
    return ", ".join(str(int(row_id)) for row_id in ids) or "NULL"
