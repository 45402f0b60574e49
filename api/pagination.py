"""Paging: the ``page`` and ``page_size`` parameters, pages in SQL (LIMIT/OFFSET, and the total in
the same statement), and the ``X-Pagination`` and RFC 8288 ``Link`` headers of a page.

flask-smorest's own paging built its metadata schema afresh for each answer (a tenth of a
keyword query's time under load) and left ``Link`` to another step; here one object, made from
the parameters, gives both headers (``Blueprint.paginate`` in api/openapi.py).
"""

import json
from array import array
from dataclasses import dataclass, field
from urllib.parse import urlencode

import marshmallow as ma
from flask import request

from .db import db, rows
from .parameters import MAX_PAGE
from .schemas import public_url

PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
LINK_RELATIONS = ("first", "prev", "next", "last")


class Paging:
    """The page a request asks for, and the size of the whole list (``item_count``), which the
    view sets before the headers are made."""

    __slots__ = ("page", "page_size", "item_count")

    def __init__(self, page=1, page_size=PAGE_SIZE):
        self.page, self.page_size, self.item_count = page, page_size, None

    def metadata(self):
        """``X-Pagination``'s members, the same on every page: the total, the pages, this page
        and its size, and the page numbers ``Link`` names by the same relations (null where
        there is none: every relation of an empty list; ``next`` of the last page and past it,
        whose ``prev`` is the last page)."""
        total = self.item_count
        pages = (total - 1) // self.page_size + 1 if total else 0
        metadata = {"total": total, "total_pages": pages, "page": self.page, "page_size": self.page_size}
        metadata |= dict.fromkeys(LINK_RELATIONS)
        if pages:
            metadata["first"], metadata["last"] = 1, pages
            if self.page > 1:
                metadata["prev"] = min(self.page - 1, pages)
            if self.page < pages:
                metadata["next"] = self.page + 1
        return metadata

    def headers(self):
        """``X-Pagination`` (JSON), and ``Link`` to the other pages: this request's URL, absolute
        under ``PUBLIC_URL`` (api/schemas.py), with ``page`` changed in place."""
        if self.item_count is None:
            raise RuntimeError(f"{request.endpoint} did not set the item count of its page")
        metadata = self.metadata()
        headers = {"X-Pagination": json.dumps(metadata)}
        relations = [(rel, metadata[rel]) for rel in LINK_RELATIONS if metadata[rel] is not None]
        if relations:
            args = list(request.args.lists())
            at = next((i for i, (name, _) in enumerate(args) if name == "page"), len(args))  # "page" stays in place
            base = f"{public_url.get()}{request.path}?"
            headers["Link"] = ", ".join(
                f'<{base}{urlencode([*args[:at], ("page", [number]), *args[at + 1 :]], doseq=True)}>; rel="{rel}"'
                for rel, number in relations
            )
        return headers


class PageArgsSchema(ma.Schema):
    """``page`` and ``page_size``; other parameters are the operation's own."""

    class Meta:
        unknown = ma.EXCLUDE

    page = ma.fields.Integer(
        load_default=1,
        validate=[ma.validate.Range(min=1), ma.validate.Range(max=MAX_PAGE)],
        metadata={"description": "Page number, from 1. A page past the end is an empty array.", "example": 1},
    )
    page_size = ma.fields.Integer(
        load_default=PAGE_SIZE,
        validate=ma.validate.Range(min=1, max=MAX_PAGE_SIZE),
        metadata={"description": f"Items per page, at most {MAX_PAGE_SIZE}.", "example": 50},
    )

    @ma.post_load
    def paging(self, data, **kwargs):
        return Paging(**data)


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

    def searched(self, hits, rank, tiebreak=None):
        """Narrowed to the hits of a search (``(sql, params)`` selecting ``object_id`` and ``score``:
        api/search/index.py, api/search/results.py); most relevant first when ``rank``, equal
        scores in the ``tiebreak`` order (an expression of ``hits``' columns), then by id."""
        sql, params = hits
        alias = self.table.split()[-1]
        order = f"hits.score DESC, {f'{tiebreak}, ' if tiebreak else ''}{alias}.id" if rank else None
        return self.joined(f"JOIN ({sql}) hits ON hits.object_id = {alias}.id", params, order)

    @property
    def params(self):
        return [*self.join_params, *self.where_params]

    def sql(self, select):
        where = f" WHERE {' AND '.join(self.where)}" if self.where else ""
        return f"SELECT {select} FROM {self.table}{''.join(f' {join}' for join in self.joins)}{where}"


def page(listing, pagination_parameters, select=None):
    """The requested page of ``listing`` as tuples (its ids, or the ``select`` columns), and the
    total ``X-Pagination`` reports (set on ``pagination_parameters``), in one statement: each
    row carries the count of the whole list (a subquery the database runs once). Only a page
    past the end, which has no row to carry it, counts apart.

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


def all_ids(listing):
    """Every id of ``listing``, in its order, as a compact array (8 bytes an id): what an export
    walks, loading its rows a batch at a time (api/exports.py)."""
    alias = listing.table.split()[-1]
    sql = f"{listing.sql(f'{alias}.id')} ORDER BY {listing.order}".replace("?", db.param)
    return array("q", (row[0] for row in db.execute_sql(sql, listing.params)))  # read as they come
