"""Linked data: the report as schema.org and SKOS in JSON-LD, for search engines and knowledge
graphs that read it from a media site, and for partners' triple stores.

With ``Accept: application/ld+json`` (the request path chooses: api/pipeline.py), a trend is a
schema.org ``Article`` (its expert the ``author``, a ``Person``; the keywords it is about its
``about``, every keyword it names its ``keywords``, each a ``DefinedTerm``), an expert a
``Person``, a keyword a ``DefinedTerm`` that is also a SKOS ``Concept``, an edition a
``Report``. ``/v1/thesaurus.jsonld`` is every keyword as a SKOS ``ConceptScheme`` (preferred and
alternative labels by language, broader, narrower, related). Each document is made from the
JSON answer of the same resource (one source of truth), and names its context by URL:
``/v1/context.jsonld``, served by the app, so that nothing needs the network to expand it.
Every ``@id`` is the resource's URL in this API.
"""

from flask import current_app, request

from .pipeline import REPRESENTATION_ENVIRON
from .schemas import public_url

LD_JSON = "application/ld+json"
SKOS = "http://www.w3.org/2004/02/skos/core#"
CONTEXT = {
    "@vocab": "https://schema.org/",
    "skos": SKOS,
    "Concept": "skos:Concept",
    "ConceptScheme": "skos:ConceptScheme",
    "prefLabel": {"@id": "skos:prefLabel", "@container": "@language"},
    "altLabel": {"@id": "skos:altLabel", "@container": "@language"},
    "broader": {"@id": "skos:broader", "@type": "@id"},
    "narrower": {"@id": "skos:narrower", "@type": "@id"},
    "related": {"@id": "skos:related", "@type": "@id"},
    "inScheme": {"@id": "skos:inScheme", "@type": "@id"},
    "hasTopConcept": {"@id": "skos:hasTopConcept", "@type": "@id"},
    "url": {"@type": "@id"},
    "sameAs": {"@type": "@id"},
}
CONTEXT_PATH = "/v1/context.jsonld"
THESAURUS_PATH = "/v1/thesaurus.jsonld"


def document(base, node):
    """A JSON-LD document: ``node`` under the context the app serves."""
    return {"@context": f"{base}{CONTEXT_PATH}", **node}


def term(base, keyword):
    """A keyword as a reference: a ``DefinedTerm`` of the thesaurus."""
    return {
        "@id": keyword["url"],
        "@type": "DefinedTerm",
        "name": keyword["term"],
        "termCode": keyword["slug"],
        "inDefinedTermSet": {"@id": f"{base}{THESAURUS_PATH}"},
    }


def article(base, trend):
    """A trend (its JSON answer) as a schema.org ``Article``."""
    node = {
        "@id": trend["url"],
        "@type": "Article",
        "url": trend["url"],
        "headline": trend["title"],
        "position": trend["number"],
        "description": trend["excerpt"],
        "wordCount": trend["word_count"],
        "timeRequired": f"PT{trend['reading_time_minutes']}M",
        "isPartOf": {
            "@id": trend["edition"]["url"],
            "@type": "Report",
            "name": trend["edition"]["title"],
            "datePublished": str(trend["edition"]["year"]),
        },
        "about": [term(base, k) for k in trend["keywords"] if k.get("grade") == "about"],
        "keywords": [term(base, k) for k in trend["keywords"]],
    }
    if trend.get("subtitle"):
        node["alternativeHeadline"] = trend["subtitle"]
    expert = trend.get("expert")
    if expert:
        node["author"] = {"@id": expert["url"], "@type": "Person", "name": expert["name"]}
    return node


def person(expert):
    """An expert (its JSON answer) as a schema.org ``Person``."""
    node = {
        "@id": expert["url"],
        "@type": "Person",
        "url": expert["url"],
        "name": expert["name"],
        "jobTitle": expert["roles"],
        "sameAs": [link["url"] for link in expert["links"]],
    }
    if expert["name_original"] != expert["name"]:
        node["alternateName"] = expert["name_original"]
    if expert.get("organization"):
        node["affiliation"] = {"@type": "Organization", "name": expert["organization"]}
    if expert.get("bio"):
        node["description"] = "\n\n".join(expert["bio"])
    return node


def concept(base, keyword):
    """A keyword (its JSON answer, or an item of the list) as a ``DefinedTerm`` and SKOS ``Concept``."""
    labels = {language: label for language, label in keyword["labels"].items() if label}
    alternatives = {language: found for language, found in keyword["alt_labels"].items() if found}
    return {
        **term(base, keyword),
        "@type": ["DefinedTerm", "Concept"],
        "url": keyword["url"],
        "prefLabel": labels,
        "altLabel": alternatives,
        "broader": [other["url"] for other in keyword["broader"]],
        "narrower": [other["url"] for other in keyword["narrower"]],
        "related": [other["url"] for other in keyword["related"]],
        "inScheme": f"{base}{THESAURUS_PATH}",
    }


def report(edition):
    """An edition (its JSON answer) as a schema.org ``Report``."""
    node = {
        "@id": edition["url"],
        "@type": "Report",
        "url": edition["url"],
        "name": edition["title"],
        "alternativeHeadline": edition["subtitle"],
        "datePublished": str(edition["year"]),
        "inLanguage": edition["language"],
        "publisher": {"@type": "Organization", "name": edition["publisher"]},
        "abstract": "\n\n".join(edition["introduction"]),
    }
    if edition.get("editor"):
        node["editor"] = {"@type": "Person", "name": edition["editor"]}
    return node


def scheme(base, keywords):
    """Every keyword (list items) as a SKOS ``ConceptScheme``, each concept in it."""
    concepts = [concept(base, keyword) for keyword in keywords]
    return {
        "@id": f"{base}{THESAURUS_PATH}",
        "@type": ["ConceptScheme", "DefinedTermSet"],
        "name": "Tendances 2021: the keyword cloud and the thesaurus",
        "hasTopConcept": [node["@id"] for node in concepts if not node["broader"]],
        "hasDefinedTerm": concepts,
    }


def alternative(what):
    """The ``alt_response`` documenting a resource's JSON-LD."""
    return {
        "schema": {"type": "object", "additionalProperties": True},
        "content_type": LD_JSON,
        "description": f"With `Accept: {LD_JSON}`: {what} in JSON-LD (its context at `{CONTEXT_PATH}`).",
        "success": True,
    }


def wanted():
    """Whether the request path chose JSON-LD for this request (api/pipeline.py)."""
    return request.environ.get(REPRESENTATION_ENVIRON) == LD_JSON


def answer(node):
    """A JSON-LD answer of ``node``: a document under the app's context."""
    return current_app.response_class(current_app.json.dumps(document(public_url.get(), node)), content_type=LD_JSON)
