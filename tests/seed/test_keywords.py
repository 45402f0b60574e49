"""The keyword cloud split back into terms, and the terms linked to trends with evidence."""

import pytest

from seed.keywords import read_words, same_word
from seed.parser import parse_report
from tests.factories import make_report

CLOUD_TERMS = [
    "réseaux commerciaux",
    "disparition du clic",
    "attention",
    "local",
    "minimalisme marketing",
    "social scoring",
    "complémentarité digital + humain",
    "rationalisation",
    "raréfaction des compétences",
    "influence marketing",
    "échapper au réel",
    "fatigue",
    "groupes privés",
    "Révolution informationnelle",
    "woke washing",
    "innovations digitales chinoises",
    "fin du game",
    "Révolution des interactions",
    "sens",
    "recentrage client",
    "hyperpersonnalisation",
    "micro et nano",
    "moderniser",
    "Zoom",
    "crise d'identité des agences",
    "migration des influenceurs",
    "réseaux soucieux",
    "impact covid",
    "customer generated content",
    "avis augmentés",
    "splinternet",
    "contradictoire & chaotique",
    "data et IA",
    "réinventer le Live",
    "TikTok & B2B",
    "empowerment 4.0",
    "sobriété",
    "Confinement",
    "allié positif",
    "accros",
    "communautés informelles",
]


def keyword(report, slug):
    return next(k for k in report.keywords if k.slug == slug)


def test_cloud_is_split_into_its_intended_terms(report):
    assert [k.term for k in report.keywords] == CLOUD_TERMS


def test_every_word_of_the_cloud_is_in_exactly_one_term(report):
    cloud = open("seed/corpus/tendances-2021.md", encoding="utf-8").read()
    cloud = cloud.split("# Nous allons parler de...")[1].split("# avec...")[0]
    assert [w.folded for w in read_words(cloud)] == [w.folded for k in report.keywords for w in read_words(k.term)]


def test_every_keyword_is_linked_with_evidence_holding_its_words(report):
    for k in report.keywords:
        assert k.links, k.term
        content = [w for w in read_words(k.term) if w.kind == "content"]
        for link in k.links:
            evidence = read_words(link.evidence)
            assert all(any(same_word(w, e) for e in evidence) for w in content), (k.term, link)
            assert 0 < link.weight <= 1


def test_links_are_ranked_by_weight(report):
    for k in report.keywords:
        weights = [link.weight for link in k.links]
        assert weights == sorted(weights, reverse=True)


@pytest.mark.parametrize(
    "slug, numbers",
    [
        ("splinternet", [13]),
        ("tiktok-b2b", [5]),
        ("micro-et-nano", [10]),
        ("woke-washing", [24]),
        ("sens", [3, 14]),
        ("reseaux-soucieux", [23]),
        ("impact-covid", [29]),
    ],
)
def test_title_keywords_point_at_their_article_first(report, slug, numbers):
    links = keyword(report, slug).links
    assert [link.trend_number for link in links[: len(numbers)]] == numbers
    assert links[0].location == "title" and links[0].weight == 1.0


def test_a_term_recurring_in_several_articles_links_them_all(report):
    numbers = {link.trend_number for link in keyword(report, "confinement").links}
    assert len(numbers) >= 3
    assert {link.location for link in keyword(report, "confinement").links} == {"body"}


def test_heading_keyword_points_at_its_section(report):
    link = keyword(report, "avis-augmentes").links[0]
    assert (link.trend_number, link.location, link.evidence) == (28, "heading", "L'émergence des avis augmentés")


def test_body_evidence_is_the_sentence_not_the_paragraph(report):
    for link in keyword(report, "confinement").links:
        assert len(link.evidence) < 600


# Crafted clouds: the split follows the article texts, not the line breaks.


def split(cloud, titles):
    text = make_report(articles=[(n, t, ("Marie Test", "Directrice", "ACME")) for n, t in enumerate(titles, 1)], cloud=cloud)
    return [k.term for k in parse_report(text).keywords]


def test_adjacent_words_join_only_when_a_text_has_the_phrase():
    assert split("alpha bêta gamma", ["Alpha bêta au soleil", "Le gamma"]) == ["alpha bêta", "gamma"]
    assert split("alpha bêta gamma", ["Alpha au soleil", "bêta gamma"]) == ["alpha", "bêta gamma"]


def test_function_words_never_start_or_end_a_term():
    assert split("chat et\nchien loup", ["Chat", "Chien", "Loup"]) == ["chat et chien", "loup"]


def test_a_conjunction_in_the_text_but_not_in_the_cloud_splits():
    assert split("recentrage client refonte", ["Recentrage client & refonte"]) == ["recentrage client", "refonte"]


def test_a_term_joined_by_any_conjunction_matches_it_in_the_text():
    # "ou", "ni" and "mais" match themselves (a synthetic cloud at 100 times the report has them)
    assert split("vrai ou faux chat", ["Vrai ou faux", "Chat"]) == ["vrai ou faux", "chat"]
    assert split("chat mais chien", ["Chat mais chien"]) == ["chat mais chien"]
