"""Paging in SQL (LIMIT/OFFSET, and the total in the same statement) and the RFC 8288 ``Link`` header."""

import json
from dataclasses import dataclass, field
from urllib.parse import urlencode

from flask import request

from .db import rows

LINK_RELATIONS = (("first", "first_page"), ("prev", "previous_page"), ("next", "next_page"), ("last", "last_page"))


@dataclass
class Listing:
    """The rows of one table a list shows, as SQL: conditions on its alias, and an order.

    Written by hand, not built with Peewee: on a list built afresh, building the count and page
    queries cost more than running them. Conditions use ``?`` placeholders (:func:`api.db.rows`).
    """

    table: str  # "trend t"
    order: str  # "t.number"
    joins: list = field(default_factory=list)
    where: list = field(default_factory=list)
    join_params: list = field(default_factory=list)
    where_params: list = field(default_factory=list)

    def having(self, condition, *params):
        self.where.append(condition)
        self.where_params.extend(params)
        return self

    def joined(self, join, params, order=None):
        """Joined to ``join`` (which may narrow the rows), in ``order`` if given."""
        self.joins.append(join)
        self.join_params.extend(params)
        self.order = order or self.order
        return self

    def searched(self, hits, rank):
        """Narrowed to the hits of a search (a Peewee query of ``object_id`` and ``score``, api/search/index.py);
        most relevant first when ``rank``."""
        sql, params = hits.sql()
        alias = self.table.split()[-1]
        order = f"hits.score DESC, {alias}.id" if rank else None
        return self.joined(f"JOIN ({sql}) hits ON hits.object_id = {alias}.id", params, order)

    @property
    def params(self):
        return [*self.join_params, *self.where_params]

    def sql(self, select):
        where = f" WHERE {' AND '.join(self.where)}" if self.where else ""
        return f"SELECT {select} FROM {self.table}{''.join(f' {join}' for join in self.joins)}{where}"


def page(listing, pagination_parameters, select=None):
    """The requested page of ``listing`` as tuples (its ids, or the ``select`` columns), and the
    total flask-smorest reports, in one statement: each row carries the count of the whole list
    (a subquery the database runs once). Only a page past the end, which has no row to carry
    it, counts apart.

    The page is chosen on ids (the offset walks an index, not joined rows), so page 500 costs
    about what page 1 costs; its rows are then loaded by id.
    """
    alias = listing.table.split()[-1]
    offset = (pagination_parameters.page - 1) * pagination_parameters.page_size
    limit = f"LIMIT {int(pagination_parameters.page_size)} OFFSET {offset}"
    count = listing.sql("COUNT(*)")
    columns = f"{select or f'{alias}.id'}, ({count})"
    found = rows(f"{listing.sql(columns)} ORDER BY {listing.order} {limit}", [*listing.params, *listing.params])
    if found:
        total = found[0][-1]
    else:
        total = rows(count, listing.params)[0][0] if offset else 0
    pagination_parameters.item_count = total
    return [row[:-1] for row in found]


def page_ids(listing, pagination_parameters):
    """The ids of the requested page of ``listing`` (see :func:`page`)."""
    return [row[0] for row in page(listing, pagination_parameters)]


def add_link_header(response):
    """Derive ``Link: <...>; rel="next"`` from flask-smorest's ``X-Pagination`` header: this
    request's URL, on other pages."""
    metadata = response.headers.get("X-Pagination")
    if metadata:
        pages = json.loads(metadata)
        relations = [(rel, pages[key]) for rel, key in LINK_RELATIONS if key in pages]
        if relations:
            args = list(request.args.lists())
            at = next((i for i, (name, _) in enumerate(args) if name == "page"), len(args))  # "page" stays in place
            base = f"{request.script_root}{request.path}?"
            response.headers["Link"] = ", ".join(
                f'<{base}{urlencode([*args[:at], ("page", [number]), *args[at + 1 :]], doseq=True)}>; rel="{rel}"'
                for rel, number in relations
            )
    return response
