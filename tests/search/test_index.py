"""The full-text index on each engine: what a seed leaves in it, and PostgreSQL's ranking
against SQLite's (make test-postgres builds a SQLite twin of the seeded database)."""

import hashlib
import random
import tomllib
from collections import Counter
from pathlib import Path

import pytest

from api.db import db, is_postgres, migration_runner
from api.models import Edition, SearchEntry, Trend
from api.search import index
from api.search.syntax import Alternative, ParsedQuery, parse_query
from seed.loader import load_report
from seed.parser import parse_report
from tests.conftest import POSTGRES_URL, build_app
from tests.factories import article, make_report

# Words, OR and exclusions naming no keyword: PostgreSQL computes FTS5's bm25 for these, so scores agree.
WORD_QUERIES = ["marketing digital", "télétravail OR covid", "marque client expérience", "digimind", "Tintin"]
# Phrases and prefixes, and words naming a keyword (searched under its labels, phrases among them,
# api/search/expansion.py): scored as the sum of their words on PostgreSQL, so only hits agree.
OTHER_QUERIES = [
    '"fake news"',
    '"réseaux sociaux" -tiktok',
    "influen*",
    "soc* marketing",
    'covid -"covid 19"',
    "influenceurs",
    "réseaux sociaux",
    "influenceurs -tiktok",
    "splinternet",
    "artificial intelligence",
    "employee advocacy",  # nothing holds every word: any word is enough
]


def hits(client, q):
    body = client.get("/v1/search", query_string={"q": q, "page_size": 100}).get_json()
    return body["total"], [(h["type"], h["slug"], h["score"]) for h in body["hits"]]


@pytest.fixture(scope="module")
def sqlite_client(tmp_path_factory, seeded_report):
    app = build_app(f"sqlite:///{tmp_path_factory.mktemp('twin') / 'twin.db'}", RESPONSE_CACHE_MB=0)
    with app.app_context():
        load_report(seeded_report)
    return app.test_client()


@pytest.mark.skipif(not POSTGRES_URL, reason="compares PostgreSQL with SQLite")
@pytest.mark.parametrize("q", WORD_QUERIES)
def test_postgres_ranks_words_as_sqlite_does(uncached_client, sqlite_client, q):
    total, ranked = hits(uncached_client, q)
    assert total > 0 and (total, ranked) == hits(sqlite_client, q)


def judged_queries():
    """Every query of the judged set (bench/judged.toml), as make eval asks it."""
    with open(Path(__file__).resolve().parents[2] / "bench" / "judged.toml", "rb") as file:
        return [query["q"] for query in tomllib.load(file)["query"]]


@pytest.mark.skipif(not POSTGRES_URL, reason="compares PostgreSQL with SQLite")
def test_postgres_finds_what_sqlite_finds_for_every_judged_query(uncached_client, sqlite_client):
    for q in judged_queries():
        (total, ranked), (sqlite_total, sqlite_ranked) = hits(uncached_client, q), hits(sqlite_client, q)
        assert total == sqlite_total and {hit[:2] for hit in ranked} == {hit[:2] for hit in sqlite_ranked}, q


@pytest.mark.skipif(not POSTGRES_URL, reason="compares PostgreSQL with SQLite")
@pytest.mark.parametrize("q", OTHER_QUERIES)
def test_postgres_finds_phrases_and_prefixes_as_sqlite_does(uncached_client, sqlite_client, q):
    (total, ranked), (sqlite_total, sqlite_ranked) = hits(uncached_client, q), hits(sqlite_client, q)
    assert 100 >= total == sqlite_total > 0  # every hit is on the page: orders may differ
    assert {hit[:2] for hit in ranked} == {hit[:2] for hit in sqlite_ranked}


def search(q, kinds=("trend", "expert", "keyword"), edition_id=None):
    return [(kind, object_id) for kind, object_id, _ in index.ranked(parse_query(q), list(kinds), edition_id)]


def assert_fts5_holds_the_entries():
    """SQLite's FTS5 index holds exactly the words of search_entry (PostgreSQL's tsvectors are
    columns of search_entry: nothing to check)."""
    if not is_postgres():
        db.execute_sql("INSERT INTO search_fts(search_fts, rank) VALUES ('integrity-check', 1)")


def test_a_seed_that_changes_words_changes_what_is_found(empty_app):
    with empty_app.app_context():
        chimeras = (2, "Les chimères", ("Paul Autre", "Directeur", "ACME"))
        load_report(parse_report(make_report([(1, "Les licornes du marketing", ("Marie Test", "Directrice", "ACME")), chimeras])))
        assert [kind for kind, _ in search("licornes")] == ["trend"]
        assert sorted(kind for kind, _ in search("chimères OR paul")) == ["expert", "trend"]
        load_report(parse_report(make_report([(1, "Les dragons du marketing", ("Marie Test", "Directrice", "ACME"))])))
        assert search("licornes") == [] and search("chimères OR paul") == []
        assert [kind for kind, _ in search("dragons")] == ["trend"]
        assert len(search("marketing")) == 1
        assert_fts5_holds_the_entries()


def test_only_the_app_writes_the_index(empty_app):
    """Migration 0007 took away what also wrote it: SQLite's triggers, PostgreSQL's function;
    its down puts them back."""

    def writers():
        if is_postgres():
            return db.execute_sql(
                "SELECT proname FROM pg_proc WHERE pronamespace = current_schema()::regnamespace AND proname = 'search_reindex'"
            ).fetchall()
        return db.execute_sql("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall()

    with empty_app.app_context():
        assert writers() == []
        runner = migration_runner()
        assert runner.down("0007_search_index_written_by_the_app")[-1] == "0007_search_index_written_by_the_app"
        assert len(writers()) == (1 if is_postgres() else 3)
        runner.up()
        assert writers() == []


@pytest.mark.skipif(not POSTGRES_URL, reason="PostgreSQL's inverted index")
def test_the_index_a_seed_leaves_is_a_full_rebuild(empty_app, report):
    def search_term():
        return db.execute_sql("SELECT term, idf, entries, weights FROM search_term ORDER BY term").fetchall()

    with empty_app.app_context():
        assert is_postgres()
        load_report(report)
        load_report(parse_report(make_report([(1, "Les dragons du marketing", ("Marie Test", "Directrice", "ACME"))], year=2020)))
        seeded = search_term()
        index.rebuild_terms()
        assert seeded == search_term() and len(seeded) > 1000
        assert (
            sum(len(entries) for _, _, entries, _ in seeded)
            == db.execute_sql(
                "SELECT count(*) FROM (SELECT DISTINCT id, unnest(string_to_array(title_terms || ' ' || body_terms, ' ')) "
                "FROM search_entry) AS posting WHERE unnest <> ''"
            ).fetchone()[0]
        )


def test_an_edition_filter_keeps_its_trends_and_every_expert_and_keyword(empty_app):
    expert = ("Marie Licornes", "Directrice", "ACME")
    with empty_app.app_context():
        load_report(parse_report(make_report([(1, "Licornes et marketing", expert)], cloud="Licornes", year=2020)))
        load_report(parse_report(make_report([(1, "Licornes en 2021", expert)], year=2021)))
        everything = search("licornes")
        assert sorted(kind for kind, _ in everything) == ["expert", "keyword", "trend", "trend"]
        for year in (2020, 2021):
            found = search("licornes", edition_id=Edition.get(Edition.year == year).id)
            trends = [Trend.get_by_id(object_id) for kind, object_id in found if kind == "trend"]
            assert [t.edition.year for t in trends] == [year]
            assert [hit for hit in found if hit[0] != "trend"] == [hit for hit in everything if hit[0] != "trend"]
        assert search("licornes", kinds=["keyword"]) == [hit for hit in everything if hit[0] == "keyword"]
        # A phrase is checked against the tsvectors on PostgreSQL: with the edition's parameter.
        for year, numbers in ((2020, 1), (2021, 0)):
            found = search('"licornes marketing"', kinds=["trend"], edition_id=Edition.get(Edition.year == year).id)
            assert len(found) == numbers


def test_a_word_too_long_for_an_index_entry_does_not_stop_a_seed(empty_app):
    # 3,000 letters that do not compress (PostgreSQL compresses a long key before it refuses it)
    digest = b"".join(hashlib.sha256(str(i).encode()).digest() for i in range(94))
    body = ("Un mot sans fin : " + "".join(chr(97 + byte % 26) for byte in digest) + ".", "Les dragons du marketing.")
    with empty_app.app_context():
        load_report(parse_report(make_report([article(1, "Un titre", ("Marie Test", "Directrice", "ACME"), body=body)])))
        assert [kind for kind, _ in search("dragons")] == ["trend"]


def test_best_counts_every_hit_by_kind_beyond_its_limit(app):
    with app.app_context():
        query = parse_query("influenceurs")
        everything = search("influenceurs")
        best, counts, done = index.best(query, ["trend", "expert", "keyword"], 3, beside=lambda: "done")
        assert [row[:2] for row in best] == everything[:3] and done == "done"
        assert counts == {kind: sum(1 for k, _ in everything if k == kind) for kind in ("trend", "expert", "keyword")}
        assert index.best(parse_query("xyzzy"), ["trend"], 3) == ([], {"trend": 0}, None)


def test_a_database_seeded_before_offsets_were_stored_gets_them_at_the_next_seed(new_database_url, report):
    other = parse_report(make_report([(1, "Les dragons du marketing", ("Marie Test", "Directrice", "ACME"))], year=2020))
    app = build_app(new_database_url(), RESPONSE_CACHE_MB=0)  # every answer is built
    client = app.test_client()
    url = "/v1/search?q=marketing OR influenceurs&page_size=100"
    with app.app_context():
        load_report(report)
        load_report(other)
        answer = client.get(url).get_data()
        entries = SearchEntry.select().count()
        index.SearchOffsets.delete().execute()  # as migration 0008 leaves a database seeded before it
        assert client.get(url).get_data() == answer  # snippets then analyse the texts
        changes = load_report(report).changes  # the 2021 report only: the 2020 trend is filled too
        assert changes == {"SearchOffsets inserted": entries}
        assert index.SearchOffsets.select().count() == entries
        assert client.get(url).get_data() == answer
        assert not load_report(report).changed


@pytest.mark.parametrize(("plural", "prefix"), [("vidéos", "vidéos*"), ("jeux", "jeux*"), ("photos", "photos*")])
def test_a_whole_plural_as_a_prefix_finds_what_the_word_finds(app, plural, prefix):
    with app.app_context():
        found = set(search(plural))
        assert found and found <= set(search(prefix))


def random_query(rng, documents):
    """A query whose alternatives come from the entries' words: words, phrases (words in a row, in
    the entry they come from or not), words apart, prefixes; sometimes an exclusion."""

    def alternative():
        words = rng.choice(documents)
        start = rng.randrange(len(words))
        form = rng.choice(("word", "phrase", "phrase", "apart", "prefix"))
        if form == "prefix" and len(words[start]) >= 2:  # as the parser reads them (syntax._PREFIX)
            return Alternative((words[start][: rng.randint(2, 5)],), prefix=True)
        if form in ("word", "prefix"):
            return Alternative((words[start],))
        if form == "apart":
            return Alternative(tuple(rng.sample(words, min(len(words), rng.randint(2, 3)))), apart=True)
        if rng.random() < 0.2:  # words that may not stand in a row anywhere
            return Alternative((words[start], rng.choice(rng.choice(documents))))
        return Alternative(tuple(words[start : start + rng.randint(2, 3)]))

    clauses = [list(dict.fromkeys(alternative() for _ in range(rng.randint(1, 4)))) for _ in range(rng.randint(1, 3))]
    excluded = [alternative()] if rng.random() < 0.3 else []
    return ParsedQuery("", clauses, [a for a in excluded if not a.apart])


def held(alternative, words, needs=all):
    """Whether an entry's set of ``words`` holds every word of ``alternative`` (``needs=any``:
    one of them; a prefix: a word it starts)."""
    if alternative.prefix:
        return any(word.startswith(alternative.terms[0]) for word in words)
    return needs(term in words for term in alternative.terms)


@pytest.mark.skipif(not POSTGRES_URL, reason="PostgreSQL's phrase check")
def test_postgres_hits_are_the_entries_whose_tsvector_matches(app):
    """Entries whose words tell already skip the phrase check (index.word_bits): hits stay
    exactly what the tsquery finds in every entry's tsvector, whatever the query, the kinds,
    the edition, or a query relaxed to any of its words."""
    rng = random.Random(15)
    with app.app_context():
        rows = db.execute_sql(
            f"SELECT {index.kind_of('id')}, id >> 2, title_terms || ' ' || body_terms FROM search_entry ORDER BY id"
        )
        entries = [(kind, object_id, text.split()) for kind, object_id, text in rows.fetchall()]
        documents = [words for _, _, words in entries if len(words) >= 3]
        edition = Edition.get().id
        ways, sure, refused, found = Counter(), 0, 0, 0
        for number in range(300):
            query = random_query(rng, documents)
            if number % 10 == 0:  # phrases whose bits do not fit in a bigint
                words = rng.choice(documents)
                query.clauses[0] += [Alternative(tuple(words[i : i + 2])) for i in range(min(33, len(words) - 1))]
            if number % 7 == 0:
                query = query.any_word(split=number % 2 == 0) or query
            kinds, edition_id = (["trend"], edition) if number % 3 == 0 else (None, None)
            truth = db.execute_sql(
                f"SELECT {index.kind_of('id')}, id >> 2 FROM search_entry WHERE document @@ to_tsquery('simple', %s)",
                (query.tsquery(),),
            ).fetchall()
            truth = {hit for hit in truth if kinds is None or hit[0] in kinds}
            assert {(kind, object_id) for kind, object_id, _ in index.matches(query, kinds, edition_id).tuples()} == truth, query
            found += bool(truth)
            if any(len(a.terms) > 1 for a in (*(a for c in query.clauses for a in c), *query.excluded)):
                bits = index.word_bits(query)
                ways[bits and (bits.sure is not None, bits.possible is not None)] += 1
                for _, _, words in entries if bits else ():
                    words = set(words)
                    if all(any(held(a, words, any) for a in clause) for clause in query.clauses):  # a candidate
                        sure += bool(bits.sure) and all(
                            any(held(a, words) for a in c if a.prefix or a.apart or len(a.terms) == 1) for c in query.clauses
                        )
                        refused += bool(bits.possible) and not all(any(held(a, words) for a in c) for c in query.clauses)
        # Queries that find something; every way of checking: all candidates (None), sure entries
        # skip it and those that cannot pass are not checked (True, True), or only the latter
        # (False, True: a clause of phrases, or an excluded phrase), or only the former.
        assert found >= 100 and set(ways) == {None, (True, True), (False, True), (True, False)}, (found, ways)
        assert sure >= 1000 and refused >= 1000, (sure, refused)


def test_the_words_an_entry_holds_tell_which_entries_skip_the_phrase_check():
    apart, phrase = Alternative(("reseau", "social"), apart=True), Alternative(("social", "media"))
    query = ParsedQuery(
        "", [[apart, phrase, Alternative(("rs",))], [Alternative(("marque",)), Alternative(("march",), prefix=True)]]
    )
    bits = index.word_bits(query)
    # Words apart and phrases: a bit a word; a clause's single words and prefixes: one bit.
    assert bits.carried == [
        {(False, "reseau"): 0b1, (False, "social"): 0b110, (False, "media"): 0b1000, (False, "rs"): 0b10000},
        {(False, "marque"): 0b100000, (True, "march"): 0b100000},
    ]
    assert bits.sure == "(held & 3 = 3 OR held & 16 = 16) AND (held & 32 = 32)"
    assert bits.possible == "(held & 3 = 3 OR held & 16 = 16 OR held & 12 = 12) AND (held & 32 = 32)"
    # Phrases alone: no entry is sure, and those lacking a word of the phrase are not checked.
    assert index.word_bits(ParsedQuery("", [[phrase]])) == ([{(False, "social"): 1, (False, "media"): 2}], None, "(held & 3 = 3)")
    # An excluded phrase may stand in any entry: none is sure.
    assert index.word_bits(ParsedQuery("", [[apart]], [phrase])) == (
        [{(False, "reseau"): 1, (False, "social"): 2}],
        None,
        "(held & 3 = 3)",
    )
    # More bits than a bigint holds: phrases get none, then words apart none.
    words = [[Alternative(tuple(f"w{i}{j}" for j in range(7)), apart=True), Alternative((f"p{i}", f"q{i}"))] for i in range(8)]
    assert index.word_bits(ParsedQuery("", words)).possible is None
    assert index.word_bits(ParsedQuery("", words, [Alternative(("p0", "q0"))])) is None  # nor can any be sure
    wide = [[Alternative(tuple(f"w{i}{j}" for j in range(8)), apart=True)] for i in range(8)]
    assert index.word_bits(ParsedQuery("", wide)) is None
