"""A search's answer: the hits of one page, with snippets, counts by type, and facets.

An answer takes a fixed number of statements, whatever the page holds: the ranking with the
count of hits by type (api/search/index.py; on SQLite, a second one counts when there are
more hits than the facets' sample), the facets' counts with the rows counted, and the rows of
the page's hits with the offsets of their words. Before them, the view looks up the keywords
the query names (api/search/expansion.py); a query that finds nothing is ranked again, relaxed,
and its words are compared with the index's vocabulary.

These statements are written out: Peewee took longer to build them than the database to run
them (an answer cost 1.2 ms more in process). Ids are written in as literals, as
``api.db.in_ids`` writes them: ``int()`` keeps anything but integers out of the SQL.
"""

from dataclasses import dataclass
from typing import NamedTuple

from rapidfuzz import fuzz, process

from ..db import db, is_postgres
from ..models import Expert
from ..schemas import href, trend_url
from . import index, snippets

KINDS = ("trend", "expert", "keyword")
FACET_SIZE = 20
SNIPPETS_PER_HIT = 3
# Keyword and expert facets count the trend hits among this many best hits: their cost stays
# bounded however many trends a common word matches (facets say when they are a sample).
FACET_SAMPLE = 1000

# The facets' counts, and the rows counted (read by id: joining the counts to the tables made
# PostgreSQL read all of them, as the planner prices a few hundred lookups above a scan: 10 ms
# for experts at 1,000 times the real report). ``{among}`` is ``IN`` on SQLite, ``= ANY(ARRAY``
# on PostgreSQL, whose planner then looks the ids up.
FACETS = """
    WITH counted (kind, id, count) AS (
        SELECT 'keyword', keyword_id, count(*) FROM trend_keyword
        WHERE trend_id IN ({trends}) AND grade = 'about' GROUP BY keyword_id
        UNION ALL
        SELECT 'expert', expert_id, count(*) FROM trend WHERE id IN ({trends}) AND expert_id IS NOT NULL GROUP BY expert_id
    )
    SELECT kind, id, count, NULL, NULL, NULL FROM counted
    UNION ALL
    SELECT 'keyword', id, NULL, sort_term, slug, term FROM keyword
    WHERE id {among} (SELECT id FROM counted WHERE kind = 'keyword'){close}
    UNION ALL
    SELECT 'expert', id, NULL, sort_name, slug, name FROM expert
    WHERE id {among} (SELECT id FROM counted WHERE kind = 'expert'){close}
"""
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


@dataclass(frozen=True)
class KeywordFacet:
    slug: str
    term: str
    count: int  # trend hits about it


@dataclass(frozen=True)
class ExpertFacet:
    slug: str
    name: str
    count: int  # trend hits by them


def results(search, kinds, edition_id, page, page_size, relax=False):
    """The answer to a search: the query as answered, the total, facets, one page of hits, and
    when nothing was found, spelling suggestions (:func:`spellings`).

    With ``relax``, a query that finds nothing is answered as :meth:`relaxed
    <api.search.syntax.ParsedQuery.any_word>`: any of its words or phrases is then enough, and if
    that finds nothing either, any word of them (the answer's query says so), so that a search
    finds something whenever any of its words is indexed.

    The best ``FACET_SAMPLE`` hits (and one more, to know whether there are more) come with
    the count of every hit by type (:func:`api.search.index.best`). A page past the sample is
    read on its own.
    """
    best, counts = index.best(search, kinds, FACET_SAMPLE + 1, edition_id)
    for split in (False, True) if relax else ():  # nothing with every word: any of them (then of their phrases')
        relaxed = search.any_word(split)
        if best or relaxed is None:
            break
        search = relaxed
        best, counts = index.best(search, kinds, FACET_SAMPLE + 1, edition_id)
    exhaustive = len(best) <= FACET_SAMPLE
    best = best[:FACET_SAMPLE]
    total = sum(counts.values())
    start = (page - 1) * page_size
    if start + page_size <= len(best) or exhaustive or start >= total:  # past the end: no query
        window = best[start : start + page_size]
    else:
        window = list(index.ranked(search, kinds, edition_id).paginate(page, page_size))
    return search, total, facets(counts, best, exhaustive), hits(window, search), spellings(search) if not total else []


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


def facets(counts, best, exhaustive):
    """Counts of all hits by type, and of the sampled trend hits by keyword and by expert (the
    ``FACET_SIZE`` most counted of each, ties in alphabetical order), in one statement."""
    trend_ids = [object_id for kind, object_id, _ in best if kind == "trend"]
    if not trend_ids:
        return {"type": counts, "exhaustive": exhaustive, "keyword": [], "expert": []}
    among, close = ("= ANY(ARRAY", ")") if is_postgres() else ("IN", "")
    counted, rows = {"keyword": {}, "expert": {}}, []
    for kind, row_id, count, sort_key, slug, label in db.execute_sql(
        FACETS.format(trends=listed(trend_ids), among=among, close=close)
    ).fetchall():
        if count is None:
            rows.append((kind, row_id, sort_key, slug, label))
        else:
            counted[kind][row_id] = count
    ranked = {"keyword": [], "expert": []}
    for kind, row_id, sort_key, slug, label in rows:
        ranked[kind].append((-counted[kind][row_id], sort_key, row_id, slug, label))
    return {
        "type": counts,
        "exhaustive": exhaustive,
        "keyword": [KeywordFacet(slug, term, -minus) for minus, _, _, slug, term in sorted(ranked["keyword"])[:FACET_SIZE]],
        "expert": [ExpertFacet(slug, name, -minus) for minus, _, _, slug, name in sorted(ranked["expert"])[:FACET_SIZE]],
    }


def hits(window, search):
    """The hits of a page of (kind, object_id, score), each with its snippets."""
    if not window:
        return []
    found = rows_of({kind: [object_id for k, object_id, _ in window if k == kind] for kind in KINDS})
    marker = snippets.marker(search)
    return [
        hit(kind, found[kind][object_id], round(score, 4), marker)
        for kind, object_id, score in window
        if object_id in found[kind]  # a seed may remove it between the statements
    ]


def rows_of(wanted):
    """The rows (:class:`TrendRow`...) of the hits ``wanted`` (``{kind: [id, ...]}``), by kind and id."""
    found = {kind: {} for kind in KINDS}
    sql = " UNION ALL ".join(HIT_ROWS[kind].format(ids=listed(ids)) for kind, ids in wanted.items() if ids)
    if not sql:
        return found
    for kind, row_id, slug, number, year, a, b, c, d, offsets in db.execute_sql(sql).fetchall():
        if kind == "trend":
            row = TrendRow(row_id, slug, number, a, b, c, EditionYear(year), offsets)
        elif kind == "expert":
            row = ExpertRow(row_id, slug, a, b, Expert.roles.python_value(c), Expert.bio.python_value(d), offsets)
        else:
            row = KeywordRow(row_id, slug, a, offsets)
        found[kind][row_id] = row
    return found


def hit(kind, row, score, marker):
    offsets = row.offsets
    if offsets is None:  # not stored yet: a database migrated but not seeded since
        offsets = snippets.offsets(index.tokens(kind, row).values())
    found = snippets.snippets(index.texts(kind, row), offsets, marker, SNIPPETS_PER_HIT)
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
    return {
        "type": kind,
        "slug": row.slug,
        "number": None,
        "edition": None,
        "title": row.name if kind == "expert" else row.term,
        "url": href(f"/{kind}s/{row.slug}"),
        "score": score,
        "snippets": found,
    }


def listed(ids):
    """Integer ids as the items of an SQL list (``NULL`` for none: it matches nothing)."""
    return ", ".join(str(int(row_id)) for row_id in ids) or "NULL"
