"""GET /v1/trends/{number_or_slug}/citation: CSL-JSON and BibTeX (api/trends/citation.py)."""

import json
import urllib.error
import urllib.request

import pytest
from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle, formatter
from citeproc.source.json import CiteProcJSON

from api.trends import citation
from api.trends.routes import BIBTEX_EXAMPLE
from api.schemas import public_url
from tests.helpers import PUBLIC_URL, api_url, assert_problem

CSL_JSON = "application/vnd.citationstyles.csl+json"


def cite(client, path, accept=None):
    response = client.get(path, headers={"Accept": accept} if accept else {})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert "Accept" in varies(response.headers)
    return response


def varies(headers):
    return {name.strip() for name in headers["Vary"].split(",")}


def test_a_trend_is_a_csl_json_chapter_of_its_report_by_default(client, get_json):
    response = cite(client, "/v1/trends/23/citation")
    assert response.headers["Content-Type"] == CSL_JSON
    item = json.loads(response.get_data())
    assert item == {
        "id": "des-reseaux-soucieux-2021",
        "type": "chapter",
        "title": "Des réseaux soucieux",
        "container-title": "Social Media et Marketing Digital : l'avis des experts, Tendances 2021",
        "publisher": "Digimind",
        "issued": {"date-parts": [[2021]]},
        "chapter-number": "23",
        "language": "fr",
        "URL": api_url("/v1/trends/des-reseaux-soucieux?edition=2021"),
        "author": [{"family": "Celic", "given": "Nicolas"}],
        "editor": [{"family": "Asselin", "given": "Christophe"}],
    }
    # the docs' example is this very answer, field by field
    documented = get_json("/openapi.json")["components"]["schemas"]["Citation"]["properties"]
    assert {name: field["example"] for name, field in documented.items()} == item


def test_the_same_trend_by_slug_and_by_number(client, get_json):
    detail = get_json("/v1/trends/1")
    by_slug = json.loads(cite(client, f"/v1/trends/{detail['slug']}/citation?edition=2021").get_data())
    assert by_slug == json.loads(cite(client, "/v1/trends/1/citation").get_data())
    assert by_slug["title"] == detail["title"] and by_slug["chapter-number"] == "1"
    assert by_slug["author"] == [{"family": "Mercanti-Guérin", "given": "Maria"}]  # a family name of two words joined


@pytest.mark.parametrize(
    "accept",
    [
        "application/x-bibtex",
        "text/html;q=0.5, application/x-bibtex",
        "application/json;q=0.4, application/x-bibtex;q=0.9",
    ],
)
def test_bibtex_when_accept_prefers_it(client, accept):
    response = cite(client, "/v1/trends/23/citation", accept)
    assert response.headers["Content-Type"] == "application/x-bibtex; charset=utf-8"
    assert response.get_data(as_text=True) == BIBTEX_EXAMPLE  # the docs' example is the very answer


@pytest.mark.parametrize(
    "accept",
    ["*/*", "application/json", CSL_JSON, "text/html", "application/xml", "application/x-bibtex;q=0.1, application/json"],
)
def test_csl_json_whatever_else_accept_says(client, accept):
    assert cite(client, "/v1/trends/23/citation", accept).headers["Content-Type"] == CSL_JSON


def test_unknown_trends_and_editions_are_404_problems(client):
    assert_problem(client.get("/v1/trends/99/citation"), 404, "No trend '99'")
    assert_problem(client.get("/v1/trends/23/citation?edition=2020"), 404, "No edition 2020")
    assert_problem(client.get("/v1/trends/99/citation", headers={"Accept": "application/x-bibtex"}), 404)


def test_every_trend_renders_in_a_common_style(client):
    """citeproc-py, with the Harvard style (Cite Them Right) it ships, reads each trend's item."""
    items = [json.loads(cite(client, f"/v1/trends/{number}/citation").get_data()) for number in range(1, 39)]
    style = CitationStylesStyle("harvard-cite-them-right", validate=False)
    bibliography = CitationStylesBibliography(style, CiteProcJSON(items), formatter.plain)
    for item in items:
        bibliography.register(Citation([CitationItem(item["id"])]))
    rendered = {str(entry) for entry in bibliography.bibliography()}
    assert len(rendered) == 38
    celic = next(entry for entry in rendered if "Des réseaux soucieux" in entry)
    assert celic.startswith("Celic, N. (2021)") and "Digimind" in celic and "Asselin" in celic
    assert all("Digimind" in entry and "(2021)" in entry for entry in rendered)


def test_names_as_csl_and_bibtex_write_them():
    assert citation.person("Jean-Marc Dupouy") == {"family": "Dupouy", "given": "Jean-Marc"}
    assert citation.person("Anne Marie de la Tour") == {"family": "Tour", "given": "Anne Marie de la"}
    assert citation.person("Digimind") == {"literal": "Digimind"}
    assert citation.bibtex_name("Jean-Marc Dupouy") == "Dupouy, Jean-Marc"
    assert citation.bibtex_name("Digimind") == "{Digimind}"


def test_bibtex_escapes_what_latex_reads_as_commands():
    assert citation.latex(r"R&D à 100 % : #1_$ {a} ~ ^ \ ") == (
        r"R\&D à 100 \% : \#1\_\$ \{a\} \textasciitilde{} \textasciicircum{} \textbackslash{} "
    )
    cited = citation.Cited(7, "x", "50 % & {plus}", None, 2021, "Report", "Dig & Co", None, "fr")
    token = public_url.set(PUBLIC_URL)  # what a request sets (api/pipeline.py)
    try:
        entry = citation.bibtex(cited)
    finally:
        public_url.reset(token)
    assert entry.startswith("@incollection{digco2021-7,\n") and "author" not in entry and "editor" not in entry
    assert "  title = {{50 \\% \\& \\{plus\\}}},\n" in entry and "  publisher = {Dig \\& Co},\n" in entry
    assert f"  url = {{{PUBLIC_URL}/v1/trends/x?edition=2021}},\n}}\n" in entry


def test_a_real_server_negotiates_and_revalidates(live_base):
    def get(accept, etag=None):
        headers = {"Accept": accept, **({"If-None-Match": etag} if etag else {})}
        request = urllib.request.Request(f"{live_base}/v1/trends/fragmentation-du-monde-et-splinternet/citation", headers=headers)
        try:
            with urllib.request.urlopen(request) as response:
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read()

    status, headers, body = get("application/x-bibtex")
    assert status == 200 and headers["Content-Type"] == "application/x-bibtex; charset=utf-8"
    assert body.decode().startswith("@incollection{digimind2021-13,\n  author = {Renault, Claire},")
    assert "Accept" in varies(headers) and headers["ETag"]
    status, headers, body = get(CSL_JSON)
    assert status == 200 and json.loads(body)["title"] == "Fragmentation du monde et Splinternet"
    assert get(CSL_JSON, headers["ETag"])[0] == 304
