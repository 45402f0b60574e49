"""Linked data (api/linked.py, api/thesaurus.py): each JSON-LD document expanded with pyld, its
context read from the app itself (no network), and its triples checked; the representation
chosen by Accept, with an ETag and a kept answer of its own."""

from urllib.parse import urlsplit

import pytest
from pyld import jsonld

from tests.helpers import PUBLIC_URL

LD = {"Accept": "application/ld+json"}
RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
SCHEMA = "https://schema.org/"
SKOS = "http://www.w3.org/2004/02/skos/core#"


def api(path):
    return f"{PUBLIC_URL}{path}"


@pytest.fixture
def triples(client):
    """``triples(path)``: the set of ``(subject, predicate, object)`` of a path's JSON-LD, each
    term as N-Quads writes it; the context fetched from the app by pyld's document loader."""
    fetched = []

    def loader(url, options=None):
        assert url == api("/v1/context.jsonld"), url  # the one document a document names
        fetched.append(url)
        answer = client.get(urlsplit(url).path)
        assert answer.status_code == 200 and answer.mimetype == "application/ld+json"
        return {"contentType": "application/ld+json", "contextUrl": None, "documentUrl": url, "document": answer.get_json()}

    def read(path):
        answer = client.get(path, headers=LD)
        assert answer.status_code == 200 and answer.mimetype == "application/ld+json", path
        document = answer.get_json()
        assert document["@context"] == api("/v1/context.jsonld")
        quads = jsonld.to_rdf(document, {"format": "application/n-quads", "documentLoader": loader})
        assert fetched, "the context was read from the app"
        found = set()
        for line in quads.splitlines():
            subject, predicate, rest = line.split(" ", 2)
            found.add((subject, predicate, rest.removesuffix(" .")))
        return found

    return read


def iri(url):
    return f"<{url}>"


def test_a_trend_is_an_article_by_a_person_about_defined_terms(triples):
    found = triples("/v1/trends/23")
    trend = iri(api("/v1/trends/des-reseaux-soucieux?edition=2021"))
    expert, edition = iri(api("/v1/experts/nicolas-celic")), iri(api("/v1/editions/2021"))
    about = iri(api("/v1/keywords/reseaux-soucieux"))
    assert {
        (trend, RDF_TYPE, iri(f"{SCHEMA}Article")),
        (trend, iri(f"{SCHEMA}headline"), '"Des réseaux soucieux"'),
        (trend, iri(f"{SCHEMA}author"), expert),
        (expert, RDF_TYPE, iri(f"{SCHEMA}Person")),
        (expert, iri(f"{SCHEMA}name"), '"Nicolas Celic"'),
        (trend, iri(f"{SCHEMA}isPartOf"), edition),
        (edition, RDF_TYPE, iri(f"{SCHEMA}Report")),
        (trend, iri(f"{SCHEMA}about"), about),
        (about, RDF_TYPE, iri(f"{SCHEMA}DefinedTerm")),
        (about, iri(f"{SCHEMA}inDefinedTermSet"), iri(api("/v1/thesaurus.jsonld"))),
    } <= found
    keywords = {o for s, p, o in found if s == trend and p == iri(f"{SCHEMA}keywords")}
    abouts = {o for s, p, o in found if s == trend and p == iri(f"{SCHEMA}about")}
    assert abouts < keywords and len(keywords) >= 5  # it is about some of the keywords it names


def test_every_trend_has_its_author_and_edition(client, triples):
    for number in (1, 13, 38):
        found = triples(f"/v1/trends/{number}")
        assert any(p == iri(f"{SCHEMA}author") for _, p, _ in found), number
        assert any(p == iri(f"{SCHEMA}isPartOf") for _, p, _ in found), number


def test_an_expert_is_a_person_with_profiles(triples):
    found = triples("/v1/experts/nicolas-celic")
    expert = iri(api("/v1/experts/nicolas-celic"))
    assert {
        (expert, RDF_TYPE, iri(f"{SCHEMA}Person")),
        (expert, iri(f"{SCHEMA}sameAs"), iri("https://www.linkedin.com/in/nicolascelic/")),
        (expert, iri(f"{SCHEMA}jobTitle"), '"Directeur de l\'Innovation"'),
        (expert, iri(f"{SCHEMA}alternateName"), '"Nicolas CELIC"'),
    } <= found
    (organization,) = {o for s, p, o in found if s == expert and p == iri(f"{SCHEMA}affiliation")}
    assert (organization, iri(f"{SCHEMA}name"), '"YRSA Communications"') in found


def test_a_keyword_is_a_skos_concept_with_labels_by_language(triples):
    found = triples("/v1/keywords/intelligence-artificielle")
    concept = iri(api("/v1/keywords/intelligence-artificielle"))
    assert {
        (concept, RDF_TYPE, iri(f"{SKOS}Concept")),
        (concept, RDF_TYPE, iri(f"{SCHEMA}DefinedTerm")),
        (concept, iri(f"{SKOS}prefLabel"), '"intelligence artificielle"@fr'),
        (concept, iri(f"{SKOS}prefLabel"), '"artificial intelligence"@en'),
        (concept, iri(f"{SKOS}altLabel"), '"IA"@fr'),
        (concept, iri(f"{SKOS}altLabel"), '"machine learning"@en'),
        (concept, iri(f"{SKOS}broader"), iri(api("/v1/keywords/data"))),
        (concept, iri(f"{SKOS}inScheme"), iri(api("/v1/thesaurus.jsonld"))),
    } <= found


def test_an_edition_is_a_report(triples):
    found = triples("/v1/editions/2021")
    edition = iri(api("/v1/editions/2021"))
    assert {
        (edition, RDF_TYPE, iri(f"{SCHEMA}Report")),
        (edition, iri(f"{SCHEMA}datePublished"), '"2021"'),
        (edition, iri(f"{SCHEMA}inLanguage"), '"fr"'),
    } <= found
    (publisher,) = {o for s, p, o in found if s == edition and p == iri(f"{SCHEMA}publisher")}
    assert (publisher, iri(f"{SCHEMA}name"), '"Digimind"') in found


def test_the_thesaurus_is_a_concept_scheme_of_every_keyword(client, triples):
    found = triples("/v1/thesaurus.jsonld")
    thesaurus = iri(api("/v1/thesaurus.jsonld"))
    assert (thesaurus, RDF_TYPE, iri(f"{SKOS}ConceptScheme")) in found
    concepts = {s for s, p, o in found if p == iri(f"{SKOS}inScheme") and o == thesaurus}
    slugs = {keyword["slug"] for keyword in client.get("/v1/keywords?page_size=100&page=1").get_json()}
    total = int(client.get("/v1/editions/2021").get_json()["keyword_count"])
    assert len(concepts) >= total and {iri(api(f"/v1/keywords/{slug}")) for slug in slugs} <= concepts
    tops = {o for s, p, o in found if s == thesaurus and p == iri(f"{SKOS}hasTopConcept")}
    broader = {s for s, p, o in found if p == iri(f"{SKOS}broader")}
    assert tops and tops <= concepts and not tops & broader  # a top concept has no broader one
    assert iri(api("/v1/keywords/data")) in tops and iri(api("/v1/keywords/intelligence-artificielle")) not in tops


def test_accept_chooses_the_representation_each_with_its_etag_and_kept_answer(app, client):
    json_answer, ld_answer = client.get("/v1/trends/23"), client.get("/v1/trends/23", headers=LD)
    assert json_answer.mimetype == "application/json" and ld_answer.mimetype == "application/ld+json"
    assert json_answer.headers["ETag"] != ld_answer.headers["ETag"]
    assert "Accept" in json_answer.headers["Vary"] and "Accept" in ld_answer.headers["Vary"]
    # A client holding the JSON's ETag that asks for JSON-LD gets JSON-LD, not a 304.
    assert client.get("/v1/trends/23", headers={**LD, "If-None-Match": json_answer.headers["ETag"]}).status_code == 200
    assert client.get("/v1/trends/23", headers={**LD, "If-None-Match": ld_answer.headers["ETag"]}).status_code == 304
    kept = [key for key in app.wsgi_app.kept.entries if key.startswith("/v1/trends/23? ")]  # URL, then type
    assert sorted(kept) == ["/v1/trends/23? application/json", "/v1/trends/23? application/ld+json"]
    again = client.get("/v1/trends/23", headers={"Accept": "application/ld+json, application/json;q=0.5"})
    assert again.get_data() == ld_answer.get_data()
    assert client.get("/v1/trends/23", headers={"Accept": "text/html, */*"}).mimetype == "application/json"


def test_linked_data_from_a_real_server(live_server):
    """Over HTTP, as a crawler reads it: the JSON-LD, and its context fetched from the server."""
    base = f"http://127.0.0.1:{live_server.port}"

    def loader(url, options=None):
        status, headers, document = live_server.get_json(urlsplit(url).path)
        assert status == 200 and headers["content-type"] == "application/ld+json"
        return {"contentType": "application/ld+json", "contextUrl": None, "documentUrl": url, "document": document}

    status, headers, document = live_server.get_json("/v1/experts/nicolas-celic", LD)
    assert status == 200 and headers["content-type"] == "application/ld+json" and "Accept" in headers["vary"]
    assert document["@context"] == f"{base}/v1/context.jsonld"  # under the server's PUBLIC_URL
    expanded = jsonld.expand(document, {"documentLoader": loader})
    assert expanded[0]["@id"] == f"{base}/v1/experts/nicolas-celic"
    assert expanded[0]["@type"] == [f"{SCHEMA}Person"]
    plain = live_server.get_json("/v1/experts/nicolas-celic")
    assert plain[1]["content-type"] == "application/json" and plain[1]["etag"] != headers["etag"]
