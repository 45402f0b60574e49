"""The full-text index, written and read here, on SQLite (FTS5) and PostgreSQL (tsvector + GIN).

Writing: a seed gives, in its transaction, the texts of the trends, experts and keywords it
stores (:func:`entry`, :func:`update`); each becomes a ``search_entry`` row holding the analysed
terms (api/analysis.py) of its title fields and of its body fields, with ``search_offsets``
saying where each word stands (for snippets), and this module brings the engine's own index in
step: SQLite's FTS5 table row by row, PostgreSQL's ``search_term`` rebuilt whole (its weights
depend on every entry); the tsvector column follows by itself.

Reading: both engines receive expressions rebuilt from analysed terms (api/search/syntax.py):
the same words match on both. Scores are BM25 on both, title words weighing more than body
words; higher is better. SQLite ranks with FTS5's ``bm25``; PostgreSQL with the same formula
over ``search_term``, an inverted index holding each term's IDF and its weight in every entry
that has it: a search of words reads one row per word, never the entries' documents (a phrase
is checked against their tsvectors). A search of words (with OR and exclusions) gets the same
hits, scores and order on both engines. FTS5 scores a phrase, or a prefix, as one unit;
PostgreSQL as the sum of its words' scores (a prefix: of every word it starts, as if they were
ORed). Hits are the same; scores and order can differ, the more so as a prefix starts many
words. Words the analyser splits ("covid-19", "b2b") are phrases.
"""

from collections import Counter, defaultdict
from typing import NamedTuple

from peewee import JOIN, SQL, IntegerField, NodeList, Select, TextField, chunked
from playhouse.sqlite_ext import FTS5Model, SearchField

from ..analysis import analyze
from ..db import BaseModel, db, id_list, in_ids, is_postgres
from ..models import Expert, Keyword, SearchEntry, Trend
from . import snippets
from .expansion import ABOUT_BOOST
from .syntax import MAX_CLAUSES, ParsedQuery

# BM25 weight of title words against body words (1.0). PostgreSQL's search_term holds weights
# made with it: changing it means rebuilding search_term (rebuild_terms) in existing databases.
TITLE_WEIGHT = 5.0
# The texts of each kind that the index holds, by field: title fields, then body fields.
FIELDS = {
    "trend": (("title", "subtitle"), ("plain_text",)),
    "expert": (("name",), ("organization", "roles", "bio")),
    "keyword": (("term",), ()),
}
SOURCES = {"trend": Trend, "expert": Expert, "keyword": Keyword}
# The index's own tables, besides search_entry (api/models.py) and SQLite's FTS5 table.
TABLES = ("search_offsets", "search_term")
BATCH = 500


class SearchOffsets(BaseModel):
    """Where each word of a search entry's texts stands (api/search/snippets.py): snippets are
    cut without analysing the texts again."""

    id = IntegerField(primary_key=True)  # the search entry's
    offsets = TextField()


class SearchIndex(FTS5Model):
    """SQLite's FTS5 table over search_entry (external content, written by :func:`update`)."""

    title_terms = SearchField()
    body_terms = SearchField()

    class Meta:
        database = db
        table_name = "search_fts"


def texts(kind, source):
    """The text of each field of a trend, expert or keyword (a row, or a seed's record with the
    same attributes), by field name; a list is joined by line breaks (a blank line between
    paragraphs of a bio). Snippets are cut from these texts."""
    if kind == "expert":
        return {
            "name": source.name,
            "organization": source.organization,
            "roles": "\n".join(source.roles),
            "bio": "\n\n".join(source.bio),
        }
    return {name: getattr(source, name) for part in FIELDS[kind] for name in part}


class Entry(NamedTuple):
    """What the index holds for one trend, expert or keyword."""

    row: dict  # its search_entry row
    offsets: str  # where each of its words stands in its texts (api/search/snippets.py)


def tokens(kind, source):
    """The analysed words of each text of ``source`` (see :func:`texts`), by field name."""
    return {name: analyze(text or "") for name, text in texts(kind, source).items()}


def entry(kind, object_id, source, edition_id=None):
    """The :class:`Entry` of a trend, expert or keyword (``source``: see :func:`texts`)."""
    analysed = tokens(kind, source)
    words = {name: " ".join(token.term for token in found) for name, found in analysed.items()}
    title, body = (" ".join(words[name] for name in part if words[name]) for part in FIELDS[kind])
    row = {
        "id": SearchEntry.id_for(kind, object_id),
        "kind": kind,
        "object_id": object_id,
        "edition_id": edition_id,
        "title_terms": title,
        "body_terms": body,
    }
    return Entry(row, snippets.offsets(analysed.values()))


def update(entries):
    """Make the index hold ``entries`` (:func:`entry`; new ones added, changed ones replaced),
    drop the entries whose trend, expert or keyword is gone, and bring the engine's index in
    step. Run it in the seed's transaction: readers then see the old index or the new one.

    :returns: the changes, counted as a seed counts them (``"SearchEntry inserted"``...)
    """
    changes = write_entries([entry.row for entry in entries])
    changes.update(write_offsets({entry.row["id"]: entry.offsets for entry in entries}))
    return changes


def write_entries(rows):
    """Store search_entry ``rows`` and remove the entries of what is gone, in step with the
    engine's index."""
    wanted = {row["id"]: row for row in rows}
    stored = {}
    for batch in chunked(list(wanted), BATCH):
        stored.update((row["id"], row) for row in SearchEntry.select().where(in_ids(SearchEntry.id, batch)).dicts())
    inserts = [row for row_id, row in wanted.items() if row_id not in stored]
    updates = [(stored[row_id], row) for row_id, row in wanted.items() if stored.get(row_id, row) != row]
    for old, new in updates:
        SearchEntry.update({name: value for name, value in new.items() if old[name] != value}).where(
            SearchEntry.id == old["id"]
        ).execute()
    for batch in chunked(inserts, BATCH):
        SearchEntry.insert_many(batch).execute()
    write_fts5(removed=[old for old, _ in updates], added=[new for _, new in updates] + inserts)
    gone = []  # read after the writes above: an entry just written may be gone already
    for kind, model in SOURCES.items():
        orphans = SearchEntry.select().where(SearchEntry.kind == kind, SearchEntry.object_id.not_in(model.select(model.id)))
        gone.extend(orphans.dicts())
    for batch in chunked([row["id"] for row in gone], BATCH):
        SearchEntry.delete().where(in_ids(SearchEntry.id, batch)).execute()
    write_fts5(removed=gone, added=[])
    if is_postgres() and (inserts or updates or gone):
        rebuild_terms()
    return counted("SearchEntry", inserted=len(inserts), updated=len(updates), deleted=len(gone))


def write_offsets(computed):
    """Store the ``computed`` offsets ({entry id: offsets}), and those of every other entry that
    has none (a database seeded before offsets were stored: they are worked out from its rows);
    remove those of entries that are gone."""
    stored = {}
    for batch in chunked(list(computed), BATCH):
        stored.update(SearchOffsets.select().where(in_ids(SearchOffsets.id, batch)).tuples())
    lacking = defaultdict(list)
    without = SearchEntry.select(SearchEntry.id, SearchEntry.kind, SearchEntry.object_id).join(
        SearchOffsets, JOIN.LEFT_OUTER, on=(SearchOffsets.id == SearchEntry.id)
    )
    for entry_id, kind, object_id in without.where(SearchOffsets.id.is_null()).tuples():
        if entry_id not in computed:
            lacking[kind].append(object_id)
    for kind, object_ids in lacking.items():
        model = SOURCES[kind]
        for batch in chunked(object_ids, BATCH):
            for source in model.select().where(in_ids(model.id, batch)):
                computed[SearchEntry.id_for(kind, source.id)] = snippets.offsets(tokens(kind, source).values())
    changed = [(entry_id, offsets) for entry_id, offsets in computed.items() if stored.get(entry_id) != offsets]
    replaced = [entry_id for entry_id, _ in changed if entry_id in stored]
    for batch in chunked(replaced, BATCH):
        SearchOffsets.delete().where(in_ids(SearchOffsets.id, batch)).execute()
    for batch in chunked(changed, BATCH):
        SearchOffsets.insert_many(batch, fields=[SearchOffsets.id, SearchOffsets.offsets]).execute()
    deleted = SearchOffsets.delete().where(SearchOffsets.id.not_in(SearchEntry.select(SearchEntry.id))).execute()
    return counted("SearchOffsets", inserted=len(changed) - len(replaced), updated=len(replaced), deleted=deleted)


def counted(model, **changes):
    """Changes as a seed counts them: ``{"<model> inserted": n}``..., zeros left out."""
    return Counter({f"{model} {change}": n for change, n in changes.items() if n})


def write_fts5(removed, added):
    """On SQLite, take ``removed`` entries out of the FTS5 index and put ``added`` ones in. Its
    content is search_entry's (external content): a removal names the words the entry held."""
    if is_postgres():  # the tsvector column follows search_entry by itself
        return
    for row in removed:
        db.execute_sql(
            "INSERT INTO search_fts(search_fts, rowid, title_terms, body_terms) VALUES ('delete', ?, ?, ?)",
            (row["id"], row["title_terms"], row["body_terms"]),
        )
    fields = [SearchIndex.rowid, SearchIndex.title_terms, SearchIndex.body_terms]
    for batch in chunked([(row["id"], row["title_terms"], row["body_terms"]) for row in added], BATCH):
        SearchIndex.insert_many(batch, fields=fields).execute()


# FTS5's bm25 (fts5_aux.c) with k1 = 1.2 and b = 0.75: each term's IDF (floored at 1e-6), and
# its term-frequency factor in each entry that has it, a title word counting TITLE_WEIGHT times.
# Terms of 2,048 bytes or more are left out, as to_tsvector leaves them out: no index entry
# holds them.
REBUILD_TERMS = """
    INSERT INTO search_term (term, idf, entries, weights)
    WITH entry AS (
        SELECT id, string_to_array(nullif(title_terms, ''), ' ') AS title, string_to_array(nullif(body_terms, ''), ' ') AS body
        FROM search_entry
    ), sized AS (
        SELECT id, title, body, coalesce(cardinality(title), 0) + coalesce(cardinality(body), 0) AS length FROM entry
    ), totals AS (
        SELECT count(*)::float8 AS entries, sum(length)::float8 / greatest(count(*), 1) AS average_length FROM sized
    ), posting AS (
        SELECT s.id, token.term, sum(CASE WHEN token.in_title THEN %s::float8 ELSE 1 END) AS frequency, s.length
        FROM sized s, LATERAL (SELECT unnest(s.title) AS term, true AS in_title UNION ALL SELECT unnest(s.body), false) token
        WHERE octet_length(token.term) < 2048
        GROUP BY s.id, token.term, s.length
    )
    SELECT p.term,
           greatest(ln((t.entries - count(*) + 0.5) / (count(*) + 0.5)), 1e-6),
           array_agg(p.id ORDER BY p.id),
           array_agg(p.frequency * (k1 + 1) / (p.frequency + k1 * (1 - b + b * p.length / t.average_length)) ORDER BY p.id)
    FROM posting p, totals t, (VALUES (1.2::float8, 0.75::float8)) AS bm25(k1, b)
    GROUP BY p.term, t.entries
"""


def rebuild_terms():
    """Rebuild PostgreSQL's ``search_term`` from the search entries. The whole table: every
    weight depends on every entry (IDF, average length); 79 MiB and 21 s at 1,000 times the
    real report, whose old rows autovacuum reclaims."""
    db.execute_sql("DELETE FROM search_term")
    db.execute_sql(REBUILD_TERMS, (TITLE_WEIGHT,))


def matches(query, kinds=None, edition_id=None, scored=True):
    """The hits of a parsed query as rows of ``kind``, ``object_id`` and ``score``; usable as
    a subquery to join on ``object_id``.

    :param kinds: restrict to these kinds (trend, expert, keyword)
    :param edition_id: restrict trends to one edition (experts and keywords stay)
    :param scored: False when only counting: scores may then be left out (0)
    """
    sql, params = hits_sql(query, kinds, edition_id, scored)
    source = NodeList((SQL(f"({sql})", params), SQL("AS hit")))
    return Select([source], [SQL("kind"), SQL("object_id"), SQL("score")]).bind(db)


NO_HITS = "SELECT 'trend' AS kind, 0 AS object_id, 0.0 AS score WHERE 1 = 0"  # what an empty query finds


def hits_sql(query, kinds=None, edition_id=None, scored=True):
    """``(sql, params)`` selecting ``kind``, ``object_id`` and ``score`` of every hit of a parsed
    query, as the engine finds them (:func:`sqlite_hits`, :func:`postgres_hits`)."""
    if query.empty:
        return NO_HITS, []
    return (postgres_hits if is_postgres() else sqlite_hits)(query, kinds, edition_id, scored)


def kind_of(entry_id):
    """SQL naming the kind a search entry id packs (SearchEntry.id_for)."""
    cases = " ".join(f"WHEN {code} THEN '{name}'" for name, code in SearchEntry.KIND_CODES.items())
    return f"CASE {entry_id} & 3 {cases} END"


def sqlite_hits(query, kinds, edition_id, scored):
    """SQL (and its parameters) selecting ``kind``, ``object_id`` and ``score`` of every hit
    of ``query``, from the FTS5 index alone: its rowids are search entry ids, which pack the
    kind. Written out rather than built: Peewee took three times longer to build it than
    SQLite to run it."""
    where, params = ["search_fts MATCH ?"], [query.fts5()]
    if kinds and set(kinds) != set(SearchEntry.KIND_CODES):  # every kind: every entry
        where.append(f"rowid & 3 IN ({', '.join(str(SearchEntry.KIND_CODES[k]) for k in kinds)})")
    if edition_id is not None:
        where.append("(rowid & 3 <> 0 OR rowid IN (SELECT id FROM search_entry WHERE kind = 'trend' AND edition_id = ?))")
        params.append(edition_id)
    score = f"bm25(search_fts, {TITLE_WEIGHT}, 1.0) * -1{boost(query, 'rowid')}" if scored else "0"
    columns = f"{kind_of('rowid')} AS kind, rowid / 4 AS object_id, {score} AS score"
    return f"SELECT {columns} FROM search_fts WHERE {' AND '.join(where)}", params


def trends_holding(alternatives, edition_id=None):
    """The ids of the trends (of ``edition_id``, or all) that hold any of ``alternatives`` (words,
    phrases or prefixes, as a query's exclusions are): one statement."""
    if not alternatives:
        return set()
    sql, params = hits_sql(ParsedQuery("", [list(alternatives)]), ["trend"], edition_id, scored=False)
    return {object_id for _, object_id, _ in db.execute_sql(sql, params).fetchall()}


def vocabulary():
    """Every term the index holds (SQLite: migration 0011's view of FTS5; PostgreSQL: search_term)."""
    table = "search_term" if is_postgres() else "search_vocabulary"
    return [term for (term,) in db.execute_sql(f"SELECT term FROM {table}").fetchall()]


def boost(query, entry_id):
    """SQL raising the score of the trend hits about a keyword the query names (api/search/expansion.py)."""
    keywords = sorted({expansion.keyword_id for expansion in query.expansions})
    if not keywords:
        return ""
    about = f"SELECT trend_id FROM trend_keyword WHERE grade = 'about' AND keyword_id IN ({id_list(keywords)})"
    code = SearchEntry.KIND_CODES["trend"]
    return f" * CASE WHEN {entry_id} & 3 = {code} AND {entry_id} / 4 IN ({about}) THEN {ABOUT_BOOST} ELSE 1 END"


EXCLUDED = 1 << MAX_CLAUSES  # above every clause's bit: an entry holding an excluded word cannot match
WORD_BITS = 63  # a bigint's, the sign's aside


class WordBits(NamedTuple):
    """What the words an entry holds tell of its phrase check (:func:`word_bits`)."""

    carried: list  # by clause: the bits each (is a prefix, term) carries
    sure: str | None  # SQL true, of an entry's ``held`` bits (of the words it holds), only when it matches
    possible: str | None  # SQL false only when it cannot match


def word_bits(query):
    """What shows, from the words an entry holds, that it needs no phrase check in
    :func:`postgres_hits` (it matches, or cannot), or None when nothing does.

    Each word of an alternative gets a bit, except that a clause's single words and prefixes
    share one: a clause is met without a check when the entry holds every bit of an
    alternative that words alone satisfy (a word, a prefix, words apart), and can only be met
    when it holds every bit of one of its alternatives, phrases too. Phrases get no bits when
    they would not fit in a bigint (then nothing shows that an entry cannot match); nothing
    does when words apart do not fit either. An excluded phrase may stand in an entry whose
    words meet every clause: no entry is then sure.
    """
    bits = bits_for(query, phrases=True) or bits_for(query, phrases=False)
    if bits and any(len(alternative.terms) > 1 for alternative in query.excluded):
        bits = bits._replace(sure=None)
    return bits if bits and (bits.sure or bits.possible) else None


def bits_for(query, phrases):
    """:func:`word_bits`, with bits for phrases or not; None when they do not fit in a bigint,
    or when without them no entry can be sure (a clause of phrases only)."""
    carried, sure, possible, next_bit = [], [], [], 0
    for alternatives in query.clauses:
        bits, words_only, every, single = defaultdict(int), [], [], None
        for alternative in alternatives:
            if alternative.prefix or len(alternative.terms) == 1:
                if single is None:
                    single, next_bit = 1 << next_bit, next_bit + 1
                    words_only.append(single)
                bits[alternative.prefix, alternative.terms[0]] |= single
            elif alternative.apart or phrases:
                own = [1 << bit for bit in range(next_bit, next_bit + len(alternative.terms))]
                next_bit += len(own)
                for term, bit in zip(alternative.terms, own, strict=True):
                    bits[False, term] |= bit
                (words_only if alternative.apart else every).append(sum(own))
        carried.append(bits)
        sure.append(words_only)
        possible.append(words_only + every)
    if next_bit > WORD_BITS or not (all(sure) or phrases):
        return None
    return WordBits(carried, every_clause_held(sure) if all(sure) else None, every_clause_held(possible) if phrases else None)


def every_clause_held(masks):
    """SQL true when ``held`` has every bit of one of each clause's ``masks``."""
    return " AND ".join("(" + " OR ".join(f"held & {mask} = {mask}" for mask in clause) + ")" for clause in masks)


def phrase_check(query, bits):
    """``(sql, params)``: the WHERE that checks, on a hit's tsvector, the phrases of ``query``
    (:func:`word_bits`' ``bits`` sparing the entries whose words tell)."""
    matching = "document @@ (SELECT to_tsquery('simple', %s))"  # read once, even in a generic plan
    if bits is None:
        return f"WHERE entry_id IN (SELECT id FROM search_entry WHERE {matching})", [query.tsquery()]
    # Only the hits whose bits may pass are checked, each tsvector found by its entry's id.
    check = f"EXISTS (SELECT FROM search_entry WHERE id = hit.entry_id AND {bits.possible or 'true'} AND {matching})"
    return f"WHERE {bits.sure} OR {check}" if bits.sure else f"WHERE {check}", [query.tsquery()]


def postgres_hits(query, kinds, edition_id, scored=True):
    """SQL (and its parameters) selecting ``kind``, ``object_id`` and ``score`` of every hit
    of ``query``, from the ``search_term`` inverted index.

    Each positive clause is a bit; every term of its alternatives (a prefix: every term it
    starts) carries that bit. An entry matches when the terms it holds carry every clause's
    bit, and no excluded word's. A phrase needs its words in a row, which only the entries'
    tsvectors know: its words then bring in candidates that the tsquery checks, except those
    whose words tell already (:func:`word_bits`): they meet every clause without a phrase, or
    lack a word of every alternative of a clause. Scores are always summed (``scored`` is for
    SQLite's sake): they cost nothing more here.
    """
    parts, params = [], []
    phrases = any(len(a.terms) > 1 for a in (*(a for c in query.clauses for a in c), *query.excluded))
    bits = word_bits(query) if phrases else None
    carried = bits.carried if bits else [{}] * len(query.clauses)

    def terms_of(alternatives, bit, held_bits):
        """One branch for the words of a clause (each once, however many alternatives hold it,
        with the bits of them all), one for each prefix."""
        words = list(dict.fromkeys(term for alternative in alternatives if not alternative.prefix for term in alternative.terms))
        if words:
            parts.append(
                "SELECT %s AS bit, (%s::bigint[])[array_position(%s, term)] AS held, idf, entries, weights"
                " FROM search_term WHERE term = ANY(%s)"
            )
            params.extend((bit, [held_bits.get((False, term), 0) for term in words], words, words))
        for alternative in alternatives:
            if alternative.prefix:
                pattern = alternative.terms[0].replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
                parts.append("SELECT %s AS bit, %s::bigint AS held, idf, entries, weights FROM search_term WHERE term LIKE %s")
                params.extend((bit, held_bits.get((True, alternative.terms[0]), 0), pattern))

    for number, alternatives in enumerate(query.clauses):
        terms_of(alternatives, 1 << number, carried[number])
    terms_of([a for a in query.excluded if a.prefix or len(a.terms) == 1], EXCLUDED, {})
    where = []
    if kinds and set(kinds) != set(SearchEntry.KIND_CODES):  # every kind: every entry
        where.append(f"u.entry_id & 3 IN ({', '.join(str(SearchEntry.KIND_CODES[k]) for k in kinds)})")
    if edition_id is not None:
        where.append(
            "(u.entry_id & 3 <> 0 OR u.entry_id IN (SELECT id FROM search_entry WHERE kind = 'trend' AND edition_id = %s))"
        )
        params.append(edition_id)
    params.append((1 << len(query.clauses)) - 1)
    checked, check_params = phrase_check(query, bits) if phrases else ("", [])
    params.extend(check_params)
    sql = f"""WITH term AS ({" UNION ALL ".join(parts)}),
        hit AS (
            SELECT u.entry_id, sum(term.idf * u.weight) AS score, bit_or(term.held) AS held
            FROM term, unnest(term.entries, term.weights) AS u(entry_id, weight)
            {"WHERE " + " AND ".join(where) if where else ""}
            GROUP BY u.entry_id
            HAVING bit_or(term.bit) = %s
        )
        SELECT {kind_of("entry_id")} AS kind, entry_id >> 2 AS object_id, score{boost(query, "entry_id")} AS score
        FROM hit {checked}"""
    return sql, params


BEST_FIRST = "ORDER BY score DESC, kind, object_id"  # ties in a stable order


def ranked(query, kinds, edition_id):
    """Every hit as (kind, object_id, score), best first."""
    return matches(query, kinds, edition_id).order_by(SQL(BEST_FIRST.removeprefix("ORDER BY "))).tuples()


def best(query, kinds, limit, edition_id=None, beside=None):
    """The ``limit`` best hits as (kind, object_id, score), the number of hits of each kind, and
    what ``beside()`` returned (None without it), done while the database ranks
    (:meth:`api.db.Guarded.rows_beside`).

    PostgreSQL counts in the ranking query (its hits cost the same to count as to rank);
    SQLite counts, when there are more hits than ``limit``, in a query that skips scores.
    Written out, as the hits' SQL is: Peewee took 0.09 ms to build the ranking query, a third
    of what PostgreSQL takes to run it.
    """
    counts = dict.fromkeys(kinds, 0)
    beside = beside or (lambda: None)
    if is_postgres():
        sql, params = postgres_hits(query, kinds, edition_id)
        totals = ", ".join("count(*) FILTER (WHERE kind = %s) OVER ()" for _ in kinds)
        found, done = db.rows_beside(
            f"SELECT kind, object_id, score, {totals} FROM ({sql}) AS hit {BEST_FIRST} LIMIT %s", (*kinds, *params, limit), beside
        )
        counts.update(zip(kinds, found[0][3:], strict=True) if found else ())
        return [row[:3] for row in found], counts, done
    sql, params = sqlite_hits(query, kinds, edition_id, scored=True)
    ranking = f"SELECT kind, object_id, score FROM ({sql}) AS hit {BEST_FIRST} LIMIT ?"
    found, done = db.rows_beside(ranking, (*params, limit), beside)
    if len(found) < limit:
        for kind, _, _ in found:
            counts[kind] += 1
        return found, counts, done
    sql, params = sqlite_hits(query, kinds, edition_id, scored=False)
    counts.update(db.execute_sql(f"SELECT kind, count(*) FROM ({sql}) AS hit GROUP BY kind", params).fetchall())
    return found, counts, done
