"""Bulk exports: every row a list keeps, in one answer, as CSV (RFC 4180) or NDJSON, streamed.

``/v1/exports/{trends,experts,keywords}.{csv,ndjson}`` take their list's filters (not its
paging) and answer its rows in its order. The ids come first (one statement, 8 bytes a row),
then the rows a batch of ``BATCH`` at a time, each batch written out before the next is read:
a worker's memory stays flat whatever the size (``make bench-scale`` measures it at 1000x).
The request path passes the chunks on as they come (api/pipeline.py: never kept, gzip made as
they go), with an ETag per data version as any GET. The data version is looked at after each batch is
read: a seed that changed the data since the version the ETag names cuts the export there (the
client sees an incomplete answer, never rows of another version).

NDJSON: one line per row, the object the list's JSON holds. CSV: UTF-8, a header line, CRLF,
fields quoted where needed; the same object flattened: a nested object's members are columns
of their own (``expert.slug``, ``labels.fr``), a list is one column, its values joined with
`` | `` (objects by their slug, or their URL when they have none), null is empty, booleans are
``true`` and ``false``.
"""

import csv
import io

import marshmallow as ma
from flask import current_app, request, stream_with_context

from .cache import request_version
from .db import db
from .experts.routes import expert_listing
from .experts.schemas import ExpertQueryArgsSchema, ExpertSchema
from .keywords import queries as keyword_queries
from .keywords.schemas import KeywordQueryArgsSchema, KeywordSchema
from .experts import queries as expert_queries
from .openapi import Blueprint
from .pagination import all_ids
from .schemas import TrendSummarySchema
from .summaries import trend_summaries
from .trends.routes import trend_listing
from .trends.schemas import TrendQueryArgsSchema

blp = Blueprint(
    "exports",
    __name__,
    url_prefix="/v1/exports",
    description="Every row of a list, in one streamed answer: CSV or NDJSON.",
    streamed=True,
)
BATCH = 500  # rows read, then written out, at a time
JOINER = " | "
TYPES = {"csv": "text/csv; charset=utf-8; header=present", "ndjson": "application/x-ndjson"}


class Interrupted(Exception):
    """The data changed while an export streamed: it stops there."""


def columns(schema, prefix=()):
    """``[(header, path, identity)]`` of a schema's CSV: a nested object's members as columns of
    their own; a list as one column (``identity``: the member naming its objects, "" for values)."""
    found = []
    for name, field in schema.fields.items():
        key = field.data_key or name
        if isinstance(field, ma.fields.Nested) and not field.many:
            found += columns(field.schema, (*prefix, key))
        elif isinstance(field, ma.fields.List):
            inner = field.inner
            identity = ("slug" if "slug" in inner.schema.fields else "url") if isinstance(inner, ma.fields.Nested) else ""
            found.append((".".join((*prefix, key)), (*prefix, key), identity))
        else:
            found.append((".".join((*prefix, key)), (*prefix, key), None))
    return found


def cell(row, path, identity):
    value = row
    for key in path:
        value = value.get(key) if value is not None else None
    if value is None:
        return ""
    if identity is not None:
        return JOINER.join(str(item[identity]) if identity else str(item) for item in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class Export:
    """One export: the ids, then their rows dumped by ``schema`` and written in ``fmt``."""

    def __init__(self, ids, items, schema, fmt, filename):
        self.ids, self.items, self.schema, self.fmt, self.filename = ids, items, schema, fmt, filename

    def response(self):
        headers = {"Content-Disposition": f'attachment; filename="{self.filename}.{self.fmt}"'}
        chunks = stream_with_context(self.chunks(request_version(request.environ, db)))  # the ETag's
        return current_app.response_class(chunks, content_type=TYPES[self.fmt], headers=headers)

    def chunks(self, version):
        table = columns(self.schema) if self.fmt == "csv" else None
        if table is not None:
            yield self.csv_lines([[header for header, _, _ in table]])
        for start in range(0, len(self.ids), BATCH):
            items = self.items(list(self.ids[start : start + BATCH]))
            if current_version() != version:  # looked at once the rows are read: none of another version goes out
                raise Interrupted(f"the data changed from version {version} while exporting {self.filename}.{self.fmt}")
            dumped = self.schema.dump(items, many=True)
            if table is None:
                yield "".join(f"{current_app.json.dumps(row)}\n" for row in dumped).encode()
            else:
                yield self.csv_lines([cell(row, path, identity) for _, path, identity in table] for row in dumped)

    @staticmethod
    def csv_lines(lines):
        out = io.StringIO()
        csv.writer(out, lineterminator="\r\n").writerows(lines)
        return out.getvalue().encode()


def current_version():
    row = db.execute_sql("SELECT value FROM metadata WHERE key = 'data_version'").fetchone()
    return row[0] if row else "empty"


def trend_rows(edition=None, **filters):
    found, listing = trend_listing(edition=edition, **filters)
    return all_ids(listing), trend_summaries, f"tendances-{found.or_404().year}-trends"


def expert_rows(**filters):
    return all_ids(expert_listing(**filters)), expert_queries.items, "tendances-experts"


def keyword_rows(sort="term", q=None, kind=None):
    return all_ids(keyword_queries.matching(q, sort, kind)), keyword_queries.items, "tendances-keywords"


# What each export reads: its list's filters, its rows, the schema of a row, what it says.
EXPORTS = {
    "trends": (
        TrendQueryArgsSchema,
        trend_rows,
        TrendSummarySchema,
        "Every trend `GET /v1/trends` keeps with the same filters (`keyword`, `exclude_keyword`, `match`, "
        "`keyword_grade`, `expert`, `edition`, `q`, `literal`, `sort`), in its order. In CSV, `edition` and "
        "`expert` are columns of their own (`expert.slug`...), `keywords` their slugs joined with ` | `.",
    ),
    "experts": (
        ExpertQueryArgsSchema,
        expert_rows,
        ExpertSchema,
        "Every expert `GET /v1/experts` keeps with the same filters (`q`, `organization`, `sort`), in its order. "
        "In CSV, `roles` and `links` (their URLs) are joined with ` | `.",
    ),
    "keywords": (
        KeywordQueryArgsSchema,
        keyword_rows,
        KeywordSchema,
        "Every keyword `GET /v1/keywords` keeps with the same filters (`q`, `kind`, `sort`), in its order. In CSV, "
        "`labels.fr` and `labels.en`, the alternative labels joined with ` | `, `broader`, `narrower` and "
        "`related` as their slugs.",
    ),
}
FORMATS = {
    "csv": (
        "CSV",
        "RFC 4180: UTF-8, a header line, CRLF; a nested object's members in columns of their own, a list "
        "in one column, its values joined with ` | `, null empty.",
    ),
    "ndjson": ("NDJSON", "One JSON object a line: the object the list holds."),
}


def export_route(resource, fmt):
    """``GET /v1/exports/{resource}.{fmt}``: one operation for each resource and format."""
    arguments, rows_of, schema, what = EXPORTS[resource]
    name, how = FORMATS[fmt]

    def export(**filters):
        ids, items, filename = rows_of(**filters)
        return Export(ids, items, schema(), fmt, filename).response()

    export.__name__ = f"export_{resource}_{fmt}"
    export.__doc__ = f"Export {resource} as {name}\n\n{what} Streamed, with `Content-Disposition`. {how}"
    view = blp.alt_response(404, response="NOT_FOUND")(export) if resource == "trends" else export
    view = blp.response(200, {"type": "string"}, content_type=TYPES[fmt], description=f"{name}, streamed.")(view)
    view = blp.arguments(arguments, location="query", as_kwargs=True)(view)
    view = blp.doc(operationId=f"export{resource.title()}{fmt.title()}")(view)
    blp.route(f"/{resource}.{fmt}", methods=["GET"])(view)


for _resource in EXPORTS:
    for _fmt in TYPES:
        export_route(_resource, _fmt)
