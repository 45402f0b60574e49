"""GET /v1/editions and /v1/editions/{year}."""

import pytest

from tests.helpers import assert_problem, api_url


def test_list_editions_with_counts(get_json):
    assert get_json("/v1/editions") == [
        {
            "year": 2021,
            "title": "Social Media et Marketing Digital : l'avis des experts",
            "subtitle": "Tendances 2021",
            "publisher": "Digimind",
            "language": "fr",
            "editor": "Christophe Asselin",
            "source_url": None,
            "trend_count": 38,
            "expert_count": 35,
            "keyword_count": 289,  # of the 315 keywords (the cloud's terms among them), those its trends name
            "url": api_url("/v1/editions/2021"),
            "trends_url": api_url("/v1/trends?edition=2021"),
        }
    ]


def test_get_edition_with_introduction(get_json):
    edition = get_json("/v1/editions/2021")
    assert edition["introduction"][0].startswith("Quelles sont les tendances majeures")
    assert edition["trend_count"] == 38


@pytest.mark.parametrize("year", ["2020", "99999999999999999999", "abc"])
def test_unknown_edition_is_a_404(client, year):
    assert_problem(client.get(f"/v1/editions/{year}"), 404)
