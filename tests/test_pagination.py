import json

import pytest
from flask import Flask

from api.pagination import Paging


@pytest.mark.parametrize(
    ("page", "item_count", "metadata"),
    [
        (1, 0, {"total": 0, "total_pages": 0}),
        (1, 20, {"total": 20, "total_pages": 1, "first_page": 1, "last_page": 1, "page": 1}),
        (2, 45, {"total": 45, "total_pages": 3, "first_page": 1, "last_page": 3, "page": 2, "previous_page": 1, "next_page": 3}),
        (4, 45, {"total": 45, "total_pages": 3, "first_page": 1, "last_page": 3}),  # past the end: no page of its own
    ],
)
def test_metadata_says_which_pages_there_are(page, item_count, metadata):
    paging = Paging(page, 20)
    paging.item_count = item_count
    assert paging.metadata() == metadata


def test_headers_link_the_other_pages_with_page_in_place():
    paging = Paging(2, 1)
    paging.item_count = 3
    with Flask(__name__).test_request_context("/v1/trends?keyword=a&keyword=b&page=2&page_size=1"):
        headers = paging.headers()
    assert json.loads(headers["X-Pagination"])["next_page"] == 3
    assert headers["Link"] == (
        '</v1/trends?keyword=a&keyword=b&page=1&page_size=1>; rel="first", '
        '</v1/trends?keyword=a&keyword=b&page=1&page_size=1>; rel="prev", '
        '</v1/trends?keyword=a&keyword=b&page=3&page_size=1>; rel="next", '
        '</v1/trends?keyword=a&keyword=b&page=3&page_size=1>; rel="last"'
    )


def test_an_empty_list_has_no_link():
    paging = Paging()
    paging.item_count = 0
    with Flask(__name__).test_request_context("/v1/trends"):
        assert "Link" not in paging.headers()


def test_a_view_that_does_not_count_its_list_is_an_error():
    with Flask(__name__).test_request_context("/v1/trends"), pytest.raises(RuntimeError, match="item count"):
        Paging().headers()
