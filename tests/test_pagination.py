import json

import pytest
from flask import Flask

from api.pagination import Paging
from api.schemas import public_url


def meta(total, pages, page, first=None, prev=None, next=None, last=None):
    return {
        "total": total,
        "total_pages": pages,
        "page": page,
        "page_size": 20,
        "first": first,
        "prev": prev,
        "next": next,
        "last": last,
    }


@pytest.mark.parametrize(
    ("page", "item_count", "metadata"),
    [
        (1, 0, meta(0, 0, 1)),  # an empty list: no page to link to
        (3, 0, meta(0, 0, 3)),
        (1, 20, meta(20, 1, 1, first=1, last=1)),
        (2, 45, meta(45, 3, 2, first=1, prev=1, next=3, last=3)),
        (3, 45, meta(45, 3, 3, first=1, prev=2, last=3)),
        (9, 45, meta(45, 3, 9, first=1, prev=3, last=3)),  # past the end: back to the last page
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
        token = public_url.set("https://api.example.com/tendances")
        headers = paging.headers()
        public_url.reset(token)
    assert json.loads(headers["X-Pagination"])["next"] == 3
    assert headers["Link"] == (
        '<https://api.example.com/tendances/v1/trends?keyword=a&keyword=b&page=1&page_size=1>; rel="first", '
        '<https://api.example.com/tendances/v1/trends?keyword=a&keyword=b&page=1&page_size=1>; rel="prev", '
        '<https://api.example.com/tendances/v1/trends?keyword=a&keyword=b&page=3&page_size=1>; rel="next", '
        '<https://api.example.com/tendances/v1/trends?keyword=a&keyword=b&page=3&page_size=1>; rel="last"'
    )


def test_an_empty_list_has_no_link():
    paging = Paging()
    paging.item_count = 0
    with Flask(__name__).test_request_context("/v1/trends"):
        assert "Link" not in paging.headers()


def test_a_view_that_does_not_count_its_list_is_an_error():
    with Flask(__name__).test_request_context("/v1/trends"), pytest.raises(RuntimeError, match="item count"):
        Paging().headers()
