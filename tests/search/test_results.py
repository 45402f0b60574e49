"""A search's answer (api/search/results.py): a fixed number of statements, whatever the page holds."""

import pytest

from tests.helpers import assert_query_count


@pytest.mark.parametrize(
    "url, statements",
    [
        # data version, ranking, facet counts, facet rows, the rows of each kind of hit, their offsets
        ("/v1/search?q=marketing&page_size=100", 8),  # trends, experts and keywords
        ("/v1/search?q=influenceurs&page_size=100", 7),  # trends and keywords
        ("/v1/search?q=influenceurs&page_size=1", 6),
        ("/v1/search?q=digimind&type=expert", 4),  # no trend hit: no facet
        ("/v1/search?q=xyzzy", 2),
    ],
)
def test_an_answer_takes_a_fixed_number_of_statements(uncached_client, url, statements):
    with assert_query_count(statements, least=statements):
        response = uncached_client.get(url)
    assert response.status_code == 200
