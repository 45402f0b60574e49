"""The thesaurus (seed/thesaurus.py, seed/data/thesaurus.toml): read, checked, and true to the report."""

import re
from collections import Counter

import pytest

from seed.records import ParseError
from seed.thesaurus import KINDS, read_thesaurus


@pytest.fixture(scope="module")
def concepts():
    return read_thesaurus()


def test_the_cloud_concepts_are_the_reports_keywords(concepts, report):
    cloud = {concept.slug: concept.labels["fr"] for concept in concepts if concept.kind == "cloud"}
    assert cloud == {keyword.slug: keyword.term for keyword in report.keywords}


def test_well_over_100_concepts_beyond_the_cloud_each_in_both_languages(concepts):
    kinds = Counter(concept.kind for concept in concepts)
    assert sum(kinds.values()) - kinds["cloud"] > 100 and set(kinds) <= KINDS
    assert all(concept.labels["fr"] and concept.labels["en"] for concept in concepts)


def test_platforms_the_report_names_are_concepts(concepts):
    platforms = {concept.labels["fr"].lower() for concept in concepts if concept.kind in ("platform", "cloud")}
    assert {"tiktok", "whatsapp", "linkedin", "instagram", "zoom", "twitch"} <= platforms


VALID = """
[[concept]]
slug = "influenceurs"
kind = "topic"
fr = "influenceurs"
en = "influencers"
alt_en = ["content creators"]

[[concept]]
slug = "micro-influenceurs"
kind = "topic"
fr = "micro-influenceurs"
en = "micro-influencers"
broader = ["influenceurs"]
"""


def written(tmp_path, text):
    path = tmp_path / "thesaurus.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_valid_file_reads_in_order_with_lines(tmp_path):
    first, second = read_thesaurus(written(tmp_path, VALID))
    assert (first.slug, first.line, second.line) == ("influenceurs", 2, 9)
    assert first.all_labels() == [("fr", "influenceurs"), ("en", "influencers"), ("en", "content creators")]
    assert second.broader == ["influenceurs"] and second.related == []


@pytest.mark.parametrize(
    ("change", "line", "message"),
    [
        (("alt_en = [", "alt_de = ["), 2, "unknown key 'alt_de'"),
        (('slug = "micro-influenceurs"', 'slug = "influenceurs"'), 9, "given twice (first at line 2)"),
        (('slug = "micro-influenceurs"', 'slug = "Micro Influenceurs"'), 9, "lowercase ASCII"),
        (('kind = "topic"\nfr = "micro', 'kind = "person"\nfr = "micro'), 9, "kind 'person'"),
        (('en = "micro-influencers"\n', ""), 9, "a preferred label 'en' is needed"),
        (('"content creators"', '"ai"'), 2, "has no word the analyser keeps"),  # "AI" is an acronym label: kept
        (('"content creators"', '"Micro-Influenceur"'), 9, "reads as a label of influenceurs (line 2)"),
        (('broader = ["influenceurs"]', 'broader = ["influence"]'), 9, "broader 'influence' is no other concept"),
        (('broader = ["influenceurs"]', 'related = ["micro-influenceurs"]'), 9, "related 'micro-influenceurs'"),
    ],
)
def test_each_fault_stops_with_its_line(tmp_path, change, line, message):
    with pytest.raises(ParseError, match=re.escape(message)) as error:
        read_thesaurus(written(tmp_path, VALID.replace(*change)))
    assert error.value.line == line


@pytest.mark.parametrize(
    "text",
    [VALID + '\n[other]\nslug = "x"\n', "concept = 5\n", "[concept]\n", "concept = [1, 2]\n", ""],
)
def test_a_file_of_anything_but_concept_tables_is_refused(tmp_path, text):
    with pytest.raises(ParseError, match=re.escape("[[concept]] tables, and nothing else")):
        read_thesaurus(written(tmp_path, text))


def test_a_toml_error_names_its_line(tmp_path):
    with pytest.raises(ParseError, match="at line 5"):
        read_thesaurus(written(tmp_path, VALID.replace('fr = "influenceurs"', 'fr = "influenceurs')))


def test_an_acronym_of_stop_words_is_a_label(tmp_path):
    concepts = read_thesaurus(written(tmp_path, VALID.replace('"content creators"', '"AI"')))
    assert "AI" in concepts[0].alt_labels["en"]  # "ai" is a French stop word: kept as an acronym in capitals
