"""Snippets (api/search/snippets.py): the passages of a hit that match, marked at their offsets."""

import html
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from api.analysis import analyze
from api.search import snippets
from api.search.expansion import expand
from api.search.syntax import parse_query
from seed.loader import load_report
from seed.parser import parse_report
from tests.factories import article, make_report


def js_slice(text, start, end):
    """``text.slice(start, end)`` as JavaScript reads it: indices in UTF-16 code units."""
    return text.encode("utf-16-le")[2 * start : 2 * end].decode("utf-16-le")


def field_texts(client, hit):
    if hit["type"] == "trend":
        trend = client.get(hit["url"]).get_json()
        return {"title": trend["title"], "subtitle": trend["subtitle"], "plain_text": trend["plain_text"]}
    if hit["type"] == "expert":
        expert = client.get(hit["url"]).get_json()
        return {
            "name": expert["name"],
            "organization": expert["organization"],
            "roles": "\n".join(expert["roles"]),
            "bio": "\n\n".join(expert["bio"]),
        }
    return {"term": client.get(hit["url"]).get_json()["term"]}


@pytest.mark.parametrize(
    "q", ["influenceurs", '"fake news"', "covid OR sobriété", "créatrice", "tiktok", "splinter*", "l'école numérique", "digimind"]
)
def test_every_mark_wraps_a_matching_word_at_its_offsets(client, q):
    with client.application.app_context():
        terms, prefixes = expand(parse_query(q)).marked()  # the labels of the keywords it names too
    body = client.get("/v1/search", query_string={"q": q, "page_size": 100}).get_json()
    assert body["hits"]
    for hit in body["hits"]:
        if not hit["signals"]["words"]:  # found by meaning alone: its passage, nothing marked (test_semantic.py)
            continue
        assert hit["snippets"], hit["slug"]
        texts = field_texts(client, hit)
        for snippet in hit["snippets"]:
            source = texts[snippet["field"]]
            assert js_slice(source, snippet["start"], snippet["end"]) == snippet["text"]
            marked = re.findall(r"<mark>(.*?)</mark>", snippet["html"])
            assert len(marked) == len(snippet["matches"]) > 0
            for match, word in zip(snippet["matches"], marked, strict=True):
                assert js_slice(snippet["text"], match["start"], match["end"]) == html.unescape(word)
                assert 0 <= match["start"] < match["end"] <= snippet["end"] - snippet["start"]
                assert any(t.term in terms or t.term.startswith(tuple(prefixes)) for t in analyze(html.unescape(word)))
            unmarked = re.sub(r"</?mark>", "", snippet["html"]).strip("…")
            assert html.unescape(unmarked) == snippet["text"].strip()


def influence_hit(app, body):
    """The hit of a search for "influence" on a report of one article of ``body``."""
    text = make_report(
        articles=[article(1, "Un test de titre", ("Marie Test", "Directrice", "ACME"), body=(body,))],
        avec=[("Marie Test", "Un test de titre")],
    )
    with app.app_context():
        load_report(parse_report(text))
    return app.test_client().get("/v1/search?q=influence&type=trend").get_json()["hits"][0]


def test_offsets_count_utf16_code_units_as_javascript_does(empty_app):
    hit = influence_hit(empty_app, "Un sourire 😊 puis l'influence, 🎉 encore l'influence.")
    snippet = next(found for found in hit["snippets"] if found["field"] == "plain_text")
    source = empty_app.test_client().get(hit["url"]).get_json()["plain_text"]
    assert js_slice(source, snippet["start"], snippet["end"]) == snippet["text"]
    words = [js_slice(snippet["text"], match["start"], match["end"]) for match in snippet["matches"]]
    assert words == ["influence", "influence"]
    first = snippet["text"].index("influence")  # Python counts the emoji as one; JavaScript as two
    assert (
        snippet["matches"][0]["start"] == first + 1 and snippet["matches"][1]["start"] == snippet["text"].rindex("influence") + 2
    )


def test_a_text_without_astral_characters_keeps_its_indices():
    units = snippets.Units("Écoles, vidéos et « guillemets »")
    assert units.astral == [] and units(7) == 7
    units = snippets.Units("a😊b🎉c")
    assert units.astral == [1, 3] and [units(i) for i in range(6)] == [0, 1, 3, 4, 6, 7]


def test_snippets_escape_the_source_html(empty_app):
    hit = influence_hit(empty_app, "Les balises <b>gras</b> & les « guillemets » : 5 < 6 pour l'influence.")
    snippet = hit["snippets"][0]
    assert "&amp;" in snippet["html"] and "&lt; 6" in snippet["html"]
    assert "<b>" not in snippet["html"] and "<mark>influence</mark>" in snippet["html"]


WORDS = [
    "L'école",
    "écoles",
    "numérique",
    "½",
    "Œuvre",
    "Covid-19",
    "covid19",
    "4.0",
    "influenceuses",
    "influence",
    "le",
    "et",
    "«",
    "»",
    "<b>",
    "&",
    "x",
    "…",
    "\n",
    "\n\n",
    "réseaux",
    "sociaux",
]
QUERIES = ["école", "covid", "covid-19", "influen*", "oeuvre", '"réseaux sociaux"', "1 OR 2", "4.0 numérique", "éco* x"]


@settings(max_examples=200, deadline=None)
@given(
    fields=st.lists(st.lists(st.sampled_from(WORDS), max_size=120).map(" ".join), min_size=1, max_size=4),
    q=st.sampled_from(QUERIES),
    limit=st.integers(1, 3),
)
def test_stored_offsets_mark_what_analysing_the_text_marks(fields, q, limit):
    query = parse_query(q)
    texts = {f"field{i}": text for i, text in enumerate(fields)}
    stored = snippets.offsets([analyze(text) for text in texts.values()])
    terms, prefixes = query.marked()
    expected = []
    for field, text in texts.items():
        hits = [(t.start, t.end, t.term) for t in analyze(text) if t.term in terms or t.term.startswith(tuple(prefixes))]
        if hits and len(expected) < limit:
            expected += snippets.passages(text, hits, field, limit - len(expected))
    assert snippets.snippets(texts, stored, snippets.marker(query), limit) == expected
