"""The thesaurus's concepts as keywords (seed/concepts.py): links found through their labels, graded."""

import pytest

from seed.concepts import relations, with_concepts
from seed.parser import parse_report
from seed.thesaurus import Concept
from tests.factories import article, make_report


def concept(slug, fr, en, alt_fr=(), alt_en=(), kind="topic", broader=(), related=()):
    return Concept(slug, kind, {"fr": fr, "en": en}, {"fr": list(alt_fr), "en": list(alt_en)}, list(broader), list(related))


def report_of(*bodies, titles=None, cloud="Test"):
    titles = titles or [f"Un titre numéro {n}" for n in range(1, len(bodies) + 1)]
    articles = [
        article(n, title, expert=("Marie Test", "Directrice", "ACME"), body=body)
        for n, (title, body) in enumerate(zip(titles, bodies, strict=True), 1)
    ]
    return parse_report(make_report(articles=articles, avec=[], cloud=cloud))


AI = concept("intelligence-artificielle", "intelligence artificielle", "artificial intelligence", ["IA"], ["AI"])


def links(report, slug):
    keyword = next(k for k in report.keywords if k.slug == slug)
    return {link.trend_number: link.grade for link in keyword.links}


def test_a_title_makes_a_trend_about_a_concept_and_a_passing_word_is_no_link():
    report = report_of(
        ["Un paragraphe sans rapport."],
        ["Une IA parmi d'autres outils."],  # one mention of a single word: no link
        ["L'IA change tout. Et l'IA encore."],  # twice: a mention
    )
    report = with_concepts(report, [AI])
    assert links(report, "intelligence-artificielle") == {3: "mention"}
    titled = with_concepts(report_of(["Rien."], titles=["L'intelligence artificielle au travail"]), [AI])
    assert links(titled, "intelligence-artificielle") == {1: "about"}


def test_the_labels_of_a_concept_are_tallied_together_in_either_language():
    report = with_concepts(report_of(["L'IA progresse.", "L'artificial intelligence, en anglais."], ["Rien ici."]), [AI])
    assert links(report, "intelligence-artificielle") == {1: "mention"}  # "IA" once and the English label once


def test_a_body_that_names_a_concept_often_is_about_it():
    body = [
        "L'intelligence artificielle écrit.",
        "Les intelligences artificielles lisent.",
        "Une intelligence artificielle parle.",
    ]
    report = with_concepts(report_of(body), [AI])
    assert links(report, "intelligence-artificielle") == {1: "about"}  # three phrases: 3 x 2 = ABOUT_STRENGTH


def test_an_acronym_of_stop_words_is_never_searched_in_texts():
    # "ai" is a French stop word (j'ai): the label "AI" serves lookups only
    report = with_concepts(report_of(["J'ai vu. J'ai lu. J'ai écrit, ai-je dit."]), [AI])
    assert links(report, "intelligence-artificielle") == {}


def test_a_hyphenated_label_is_a_phrase_with_its_hyphen():
    micro = concept("micro-influenceurs", "micro-influenceur", "micro-influencer")
    report = with_concepts(report_of(["Des micro-influenceurs, encore des micro-influenceurs."]), [micro])
    assert links(report, "micro-influenceurs") == {1: "mention"}


def test_a_cloud_concept_keeps_the_clouds_links_and_adds_its_labels():
    cloud = concept("confinement", "confinement", "lockdown", alt_en=["lockdowns"], kind="cloud")
    report = report_of(
        ["Rien de tel."], ["Le lockdown, puis un autre lockdown."], titles=["Le confinement", "Ailleurs"], cloud="confinement"
    )
    assert links(report, "confinement") == {1: "about"}  # the cloud alone
    keyword = next(k for k in with_concepts(report, [cloud]).keywords if k.slug == "confinement")
    assert {link.trend_number: link.grade for link in keyword.links} == {1: "about", 2: "mention"}
    assert (keyword.kind, keyword.term, keyword.labels["en"], keyword.thesaurus) == ("cloud", "confinement", "lockdown", True)


def test_a_concept_no_trend_names_is_kept_without_links():
    report = with_concepts(report_of(["Rien."]), [AI])
    keyword = next(k for k in report.keywords if k.slug == "intelligence-artificielle")
    assert keyword.links == [] and keyword.thesaurus


def test_narrower_is_broader_read_the_other_way_and_related_goes_both_ways():
    report = with_concepts(
        report_of(["Rien."]),
        [
            concept("influenceurs", "influenceur", "influencer"),
            concept("micro-influenceurs", "micro-influenceur", "micro-influencer", broader=["influenceurs"], related=["ciblage"]),
            concept("ciblage", "ciblage", "targeting"),
        ],
    )
    found = relations(report.keywords)
    assert found["influenceurs"] == {"broader": [], "narrower": ["micro-influenceurs"], "related": []}
    assert found["micro-influenceurs"] == {"broader": ["influenceurs"], "narrower": [], "related": ["ciblage"]}
    assert found["ciblage"]["related"] == ["micro-influenceurs"]


@pytest.mark.parametrize("label, key", [("AI", "ai"), ("Réseaux sociaux", "reseau social"), ("EU", "eu")])
def test_a_label_key_is_its_analysed_terms_or_an_acronyms_folded_letters(label, key):
    from api.analysis import label_key

    assert label_key(label) == key
