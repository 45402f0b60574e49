"""Paging in SQL (LIMIT/OFFSET and one COUNT) and the RFC 8288 ``Link`` header."""

import json
from urllib.parse import urlencode

from flask import request

LINK_RELATIONS = (("first", "first_page"), ("prev", "previous_page"), ("next", "next_page"), ("last", "last_page"))


def page_of(query, pagination_parameters, rows=None):
    """The rows of the requested page of ``query``; sets the total flask-smorest reports.

    The page is found on ids alone (the offset walks an index, not joined rows), then only its
    rows are fetched, from ``rows`` when given (a query with the joins the page needs, which
    ``query`` can then do without): page 500 costs about what page 1 costs. A page past the
    end is empty and costs no query beyond the count. The queries are separate statements: a
    row a seed removes between them is left out of the page.
    """
    total = pagination_parameters.item_count = query.count()
    offset = (pagination_parameters.page - 1) * pagination_parameters.page_size
    if offset >= total:
        return []
    model = query.model
    page = query.select(model.id).paginate(pagination_parameters.page, pagination_parameters.page_size)
    ids = [row_id for (row_id,) in page.tuples()]
    found = {row.id: row for row in (query if rows is None else rows).where(model.id.in_(ids)).order_by()}
    return [found[row_id] for row_id in ids if row_id in found]  # a seed may remove rows in between


def page_url(page):
    """This request's URL, on another page."""
    args = request.args.copy()
    args["page"] = str(page)
    return f"{request.script_root}{request.path}?{urlencode(list(args.items(multi=True)))}"


def add_link_header(response):
    """Derive ``Link: <...>; rel="next"`` from flask-smorest's ``X-Pagination`` header."""
    metadata = response.headers.get("X-Pagination")
    if metadata:
        pages = json.loads(metadata)
        links = [f'<{page_url(pages[key])}>; rel="{rel}"' for rel, key in LINK_RELATIONS if key in pages]
        if links:
            response.headers["Link"] = ", ".join(links)
    return response
