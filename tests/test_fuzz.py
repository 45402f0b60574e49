"""Hypothesis against every route: any path segment, any value of any parameter, never a 5xx."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers import assert_problem

ROUTES = ["/v1/trends/{}", "/v1/trends/{}/related", "/v1/experts/{}", "/v1/keywords/{}", "/v1/editions/{}"]
PARAMETERS = {
    "/v1/trends": ["q", "keyword", "exclude_keyword", "match", "expert", "edition", "sort", "page", "page_size"],
    "/v1/experts": ["q", "organization", "sort", "page", "page_size"],
    "/v1/keywords": ["q", "sort", "page", "page_size"],
    "/v1/search": ["q", "type", "edition", "page", "page_size"],
    "/v1/editions": ["page", "page_size"],
}
# Text that URLs can carry: any character but the surrogates, the kinds of text a client may send.
TEXT = st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=60)
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def assert_answer(response):
    assert response.status_code < 500, response.get_data(as_text=True)
    body = response.get_json(silent=True)
    assert body is not None, response.get_data(as_text=True)
    if response.status_code >= 400:
        assert_problem(response, response.status_code)


@pytest.mark.parametrize("route", ROUTES)
@FUZZ
@given(segment=TEXT.filter(lambda s: s not in ("", ".", "..")))
def test_any_path_segment(client, route, segment):
    from urllib.parse import quote

    assert_answer(client.get(route.format(quote(segment, safe=""))))


@pytest.mark.parametrize("path", list(PARAMETERS))
@FUZZ
@given(data=st.data())
def test_any_parameter_values(client, path, data):
    names = data.draw(st.lists(st.sampled_from(PARAMETERS[path]), min_size=1, max_size=4))
    query = [(name, data.draw(TEXT | st.integers(-(2**70), 2**70).map(str))) for name in names]
    assert_answer(client.get(path, query_string=query))
