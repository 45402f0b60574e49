"""Web-search syntax read into index expressions (api/search/syntax.py)."""

import pytest

from api.search.syntax import QueryError, parse_query


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


def test_exclusions_alone_are_an_error():
    with pytest.raises(QueryError, match="nothing to search for: exclusions alone"):
        parse_query("-tiktok -la")


def test_too_many_clauses_is_an_error():
    with pytest.raises(QueryError, match="at most 16"):
        parse_query(" ".join(f"mot{i}" for i in range(17)))


def test_user_syntax_never_reaches_the_index():
    query = parse_query('a"b NEAR( title_terms:x ^y {z} \\\\w')
    assert set(query.fts5()) <= set('"abcdefghijklmnopqrstuvwxyz0123456789 ANDOR()*')
