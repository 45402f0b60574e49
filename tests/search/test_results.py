"""A search's answer (api/search/results.py): a fixed number of statements, whatever the page holds."""

import pytest

from api.models import Expert, Keyword, Trend
from api.search import results
from tests.helpers import assert_query_count

MODELS = {"trend": Trend, "expert": Expert, "keyword": Keyword}


@pytest.mark.parametrize(
    "url, statements",
    [
        # data version, ranking, the rows of the hits (of every kind); facets are counted in memory
        ("/v1/search?q=marketing&page_size=100", 3),  # trends, experts and keywords
        ("/v1/search?q=influenceurs&page_size=100", 3),  # trends and keywords
        ("/v1/search?q=influenceurs&page_size=1", 3),
        ("/v1/search?q=digimind&type=expert", 3),
        ("/v1/search?q=xyzzy", 3),  # nothing found: the index's vocabulary, for spelling suggestions
        ("/v1/search?q=xyzzy&literal=true", 3),
        ("/v1/search?q=xyzzy%20marketing", 4),  # no hit with every word: ranked again with any
        ("/v1/search?q=marketing%20-influenceurs&page_size=100", 4),  # the trends meaning leaves out
        ("/v1/search?q=marketing%20-influenceurs&literal=true", 3),  # no meaning: nothing to leave out
    ],
)
def test_an_answer_takes_a_fixed_number_of_statements(uncached_client, url, statements):
    # Each worker reads passages' vectors, keywords' names and facets' links once per data version.
    uncached_client.get("/v1/search?q=social")
    with assert_query_count(statements, least=statements):
        response = uncached_client.get(url)
    assert response.status_code == 200


def test_the_rows_of_hits_come_with_the_offsets_the_seed_stored(app):
    # Offsets missing would still give the right snippets (worked out at each request), slowly.
    with app.app_context():
        wanted = {kind: [row_id for (row_id,) in model.select(model.id).tuples()] for kind, model in MODELS.items()}
        found = results.rows_of(wanted)
    for kind, ids in wanted.items():
        assert sorted(found[kind]) == sorted(ids) and len(ids) > 30, kind
        assert all(row.offsets is not None for row in found[kind].values()), kind


def test_no_hit_wanted_reads_nothing(app):
    with app.app_context(), assert_query_count(0, least=0):
        assert results.rows_of({"trend": [], "expert": []}) == {"trend": {}, "expert": {}, "keyword": {}, "passage": {}}


def test_rows_of_each_kind_keep_their_own_columns(app):
    with app.app_context():
        stored, keyword = Trend.get(Trend.number == 13), Keyword.get_by_id(1)
        found = results.rows_of({"trend": [stored.id], "expert": [], "keyword": [1]})
        expert = Expert.get(Expert.slug == "nicolas-celic")
        alone = results.rows_of({"expert": [expert.id]})
    (trend,) = found["trend"].values()
    assert (trend.number, trend.edition.year, trend.title, trend.subtitle) == (13, 2021, stored.title, stored.subtitle)
    assert trend.plain_text == stored.plain_text and found["expert"] == {}
    assert [(row.slug, row.term) for row in found["keyword"].values()] == [(keyword.slug, keyword.term)]
    (row,) = alone["expert"].values()
    assert (row.name, row.organization, row.roles, row.bio) == (expert.name, expert.organization, expert.roles, expert.bio)
