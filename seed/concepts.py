"""The thesaurus's concepts as keywords, each linked to the trends whose text names it, graded.

A concept's labels (preferred and alternative, French and English) are read as the cloud's terms
are (seed/keywords.py): through the one analyser, a label of several words as a phrase across
stop words, in the title, subtitle, headings and paragraphs of every trend. What a trend says of
all the labels of one concept is tallied together ("IA" once and "intelligence artificielle"
once are two mentions). A trend is linked when a title, subtitle or heading holds a label, or
its body names the concept twice (a label of several words: once); the link is ``about`` when a
title, subtitle or heading names it or the body names it often (``Tally.grade``), else a
``mention``; its weight and evidence are the cloud's.

A concept of kind ``cloud`` is the cloud's term of the same slug: it keeps the cloud's links, and
its labels add the trends they find. A label of stop words only (the acronyms "AI", "EU") is
never searched for in the texts: the French "ai" and "eu" are everywhere.
"""

from collections import defaultdict
from dataclasses import replace

from . import records
from .keywords import Tallies, Tally, passages_of, read_words

RELATIONS = ("broader", "narrower", "related")


def with_concepts(report, concepts):
    """``report`` with the thesaurus's ``concepts`` (seed/thesaurus.py) among its keywords: the
    cloud's terms first, in the cloud's order, given their concept's labels and relations, then
    the other concepts in the file's order. A cloud term no concept names stays as it was."""
    found = link_concepts(concepts, report.trends)
    by_slug = {concept.slug: concept for concept in concepts}
    keywords = []
    for keyword in report.keywords:
        concept = by_slug.pop(keyword.slug, None)
        if concept is None:
            keywords.append(keyword)
            continue
        links = merged(keyword.links, found[concept.slug])
        keywords.append(keyword_of(concept, links, term=keyword.term, line=keyword.line))
    keywords += [keyword_of(concept, list(found[concept.slug].values())) for concept in by_slug.values()]
    return replace(report, keywords=keywords)


def keyword_of(concept, links, term=None, line=0):
    links = sorted(links, key=lambda link: (-link.weight, link.trend_number))
    return records.Keyword(
        slug=concept.slug,
        term=term or concept.labels["fr"],
        links=links,
        line=line or concept.line,
        kind=concept.kind,
        labels=dict(concept.labels),
        alt_labels={language: list(labels) for language, labels in concept.alt_labels.items()},
        broader=list(concept.broader),
        related=list(concept.related),
        thesaurus=True,
    )


def merged(cloud_links, concept_links):
    """The cloud's links of a term, and those its concept's labels add; a trend both found keeps
    the cloud's link, ``about`` if either says so."""
    links = {link.trend_number: link for link in cloud_links}
    for number, link in concept_links.items():
        if number not in links:
            links[number] = link
        elif link.grade == "about":
            links[number] = replace(links[number], grade="about")
    return list(links.values())


def link_concepts(concepts, trends):
    """``{concept slug: {trend number: KeywordLink}}``: every passage of every trend read once,
    for every label of every concept together."""
    labels = [(concept.slug, read_words(label)) for concept in concepts for _, label in concept.all_labels()]
    labels = [(slug, words) for slug, words in labels if any(word.kind == "content" for word in words)]
    tallies = Tallies([words for _, words in labels])
    found = {concept.slug: {} for concept in concepts}
    for trend in trends:
        by_label = defaultdict(Tally)
        for passage in passages_of(trend):
            tallies.read_passage(passage, by_label)
        by_concept = defaultdict(Tally)
        for i, tally in by_label.items():
            by_concept[labels[i][0]].merge(tally)
        for slug, tally in by_concept.items():
            if tally.is_link():
                found[slug][trend.number] = tally.link(trend.number)
    return found


def relations(keywords):
    """``{slug: {"broader": [...], "narrower": [...], "related": [...]}}`` of the keywords, as
    slugs of keywords among them: narrower is broader read the other way, related goes both
    ways."""
    known = {keyword.slug for keyword in keywords}
    found = {keyword.slug: {name: [] for name in RELATIONS} for keyword in keywords}
    for keyword in keywords:
        for other in keyword.broader:
            if other in known:
                found[keyword.slug]["broader"].append(other)
                found[other]["narrower"].append(keyword.slug)
        for other in keyword.related:
            if other in known:
                found[keyword.slug]["related"].append(other)
                found[other]["related"].append(keyword.slug)
    return {slug: {name: list(dict.fromkeys(slugs)) for name, slugs in kinds.items()} for slug, kinds in found.items()}
