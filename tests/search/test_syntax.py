"""Web-search syntax read into index expressions (api/search/syntax.py)."""

import itertools

import pytest

from api.search.syntax import parse_query


@pytest.mark.parametrize(
    "text, fts5, tsquery",
    [
        ("réseaux sociaux", '"reseau" AND "social"', "(('reseau')) & (('social'))"),
        ('"micro et nano"', '"micro nano"', "(('micro' <-> 'nano'))"),
        ("sobriété OR splinternet", '("sobriet" OR "splinternet")', "(('sobriet') | ('splinternet'))"),
        ("influenceurs -tiktok", '("influenceur") NOT "tiktok"', "(('influenceur')) & !('tiktok')"),
        ("splinter*", '"splinter"*', "(('splinter':*))"),
        ("Covid-19", '"covid 19"', "(('covid' <-> '19'))"),
    ],
)
def test_expressions_for_both_engines(text, fts5, tsquery):
    query = parse_query(text)
    assert (query.fts5(), query.tsquery()) == (fts5, tsquery)


def test_describe_says_how_the_query_was_read():
    assert parse_query('"micro et nano" l\'influenceur OR créatrices -tiktok cel*').describe() == {
        "text": '"micro et nano" l\'influenceur OR créatrices -tiktok cel*',
        "operator": "AND",
        "clauses": [['"micro nano"'], ["influenceur", "createur"], ["cel*"]],
        "terms": ["createur", "influenceur"],
        "phrases": [["micro", "nano"]],
        "prefixes": ["cel"],
        "excluded": ["tiktok"],
        "expansions": [],
        "relaxed": False,
        "ignored": [],
    }


@pytest.mark.parametrize(
    "text, clauses",
    [
        ("OR chat", [["chat"]]),
        ("chat OR", [["chat"]]),
        ("OR chat chien", [["chat"], ["chien"]]),
        ("chat chien OR", [["chat"], ["chien"]]),
        ("chat OR OR chien", [["chat", "chien"]]),
        ('"" chat', [["chat"]]),
        ("- chat", [["chat"]]),
        ("chat -", [["chat"]]),
    ],
)
def test_dangling_operators_are_ignored(text, clauses):
    query = parse_query(text)
    assert ([[a.display() for a in c] for c in query.clauses], query.excluded) == (clauses, [])


@pytest.mark.parametrize(
    "text, ignored", [("", []), ("OR", []), ("le la", ["le", "la"]), ("!!! ?", ["!!!", "?"]), ('""', ['""']), ("*", ["*"])]
)
def test_stop_words_and_punctuation_alone_are_an_empty_query_saying_what_it_ignored(text, ignored):
    query = parse_query(text)
    assert query.empty and query.ignored == ignored and query.describe()["ignored"] == ignored


def test_ignored_words_are_said_beside_the_searched_ones():
    query = parse_query("la sobriété, de la marque !")
    assert not query.empty and query.ignored == ["la", "de", "la", "!"]


def test_exclusions_alone_are_an_empty_query_saying_what_it_excludes():
    query = parse_query("-tiktok -la")
    assert query.empty and query.describe()["excluded"] == ["tiktok"] and query.ignored == ["-la"]


def words(count):
    """``count`` distinct words the analyser keeps as they are."""
    return [f"mot{a}{b}k" for a, b in itertools.product("abcdefgh", repeat=2)][:count]


def test_words_past_the_sixteenth_are_ignored_and_said():
    typed = words(18)
    query = parse_query(" ".join(typed) + " OR autre")
    assert [a.display() for clause in query.clauses for a in clause] == typed[:16]
    assert query.ignored == [*typed[16:], "autre"]  # an alternative of a word cut is cut too


def test_an_or_alternative_of_the_sixteenth_word_is_kept():
    typed = words(16)
    query = parse_query(" ".join(typed) + " OR autre")
    assert [a.display() for a in query.clauses[-1]] == [
        typed[15],
        "autr",
    ] and query.ignored == []  # as analysed ("autre" stemmed)


def test_a_phrase_is_cut_after_its_32nd_word_and_the_rest_said():
    typed = words(40)
    query = parse_query(f'"{" ".join(typed)}" fin')
    assert query.clauses[0][0].terms == tuple(typed[:32]) and query.ignored == [" ".join(typed[32:])]
    assert [a.display() for a in query.clauses[1]] == ["fin"]


def test_user_syntax_never_reaches_the_index():
    query = parse_query('a"b NEAR( title_terms:x ^y {z} \\\\w')
    assert set(query.fts5()) <= set('"abcdefghijklmnopqrstuvwxyz0123456789 ANDOR()*')
