"""A search's answer (api/search/results.py): a fixed number of statements, whatever the page holds."""

import pytest

from api.models import Expert, Keyword, Trend
from api.search import results
from tests.helpers import assert_query_count


@pytest.mark.parametrize(
    "url, statements",
    [
        # data version, ranking, facet counts, facet rows, the rows of each kind of hit
        ("/v1/search?q=marketing&page_size=100", 7),  # trends, experts and keywords
        ("/v1/search?q=influenceurs&page_size=100", 6),  # trends and keywords
        ("/v1/search?q=influenceurs&page_size=1", 5),
        ("/v1/search?q=digimind&type=expert", 3),  # no trend hit: no facet
        ("/v1/search?q=xyzzy", 2),
    ],
)
def test_an_answer_takes_a_fixed_number_of_statements(uncached_client, url, statements):
    with assert_query_count(statements, least=statements):
        response = uncached_client.get(url)
    assert response.status_code == 200


def test_the_rows_of_hits_come_with_the_offsets_the_seed_stored(app):
    # Offsets missing would still give the right snippets (worked out at each request), slowly.
    with app.app_context():
        for kind, model in (("trend", Trend), ("expert", Expert), ("keyword", Keyword)):
            ids = [row_id for (row_id,) in model.select(model.id).tuples()]
            rows = results.rows_of(kind, ids)
            assert len(rows) == len(ids) > 30 and all(row.offsets is not None for row in rows.values()), kind
