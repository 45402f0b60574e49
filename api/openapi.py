"""flask-smorest, adjusted: problem+json errors, documented headers, Swagger UI and ReDoc served
from the app's own files."""

import http

import flask_smorest
from flask_smorest.utils import prepare_response

from .arguments import MAX_PAGE, PageParser, QueryParser
from .fields import PRINTABLE_PATTERN
from .problems import PROBLEM_JSON, ProblemSchema, from_http_exception

API_DESCRIPTION = """\
The report **"Social Media et Marketing Digital : l'avis des experts, Tendances 2021"**
(Digimind) as JSON: its 38 **trends**, the 35 **experts** who wrote them, the report's
**keywords** (each linked to the trends it is about, with the passage that shows why), and the
**editions** they belong to.

- **Lists** are paged with `page` and `page_size` (20 by default, at most 100). The body is the
  array of items; `X-Pagination` (JSON) and `Link` (RFC 8288: `first`, `prev`, `next`, `last`)
  headers say where the other pages are.
- **Errors** are RFC 9457 problem details (`application/problem+json`), with an `errors` member
  naming each bad parameter. A parameter that takes one value may be given once (`?page=1&page=2`
  is a 422); a URL that is not UTF-8 once percent-decoded is a 400.
- **JSON whatever `Accept` says**: each resource has one representation, so an `Accept` header
  naming other types (`application/xml`) still gets JSON (RFC 9110 lets a server disregard it),
  never a 406; errors are `application/problem+json` alike.
- **Caching**: every answer carries an `ETag` that changes only when the data is re-seeded;
  send it back in `If-None-Match` to get `304 Not Modified`.
- **Identifiers**: slugs are lowercase ASCII and stable; trends are also found by their number.
- Text is the report's own French, verbatim, in UTF-8.
"""

TAGS = [
    {"name": "trends", "description": "The report's trend articles, their sections, footnotes and keywords."},
    {"name": "experts", "description": "The experts who wrote the trends."},
    {"name": "keywords", "description": "The report's keyword cloud, each keyword linked to its trends."},
    {"name": "editions", "description": "Yearly editions of the report."},
    {"name": "search", "description": "French full-text search across trends, experts and keywords."},
    {"name": "service", "description": "The API's index."},
    {"name": "probes", "description": "Liveness and readiness probes, and Prometheus metrics."},
]

ETAG_HEADER = {
    "description": "Version of the data this answer was built from; send it in `If-None-Match`.",
    "schema": {"type": "string", "example": 'W/"281157c2c5297ae9-5f1c0e7a9b3d"'},
}
CACHE_CONTROL_HEADER = {
    "description": "How long shared and browser caches may keep the answer.",
    "schema": {"type": "string", "example": "public, max-age=300"},
}
PAGINATION_HEADER = {
    "description": "Paging metadata, a JSON object: `total`, `total_pages`, `first_page`, "
    "`last_page`, `page`, `previous_page`, `next_page`.",
    "schema": {
        "type": "string",
        "example": '{"total": 38, "total_pages": 2, "first_page": 1, "last_page": 2, "page": 1, "next_page": 2}',
    },
}
LINK_HEADER = {
    "description": "RFC 8288 links to the `first`, `prev`, `next` and `last` pages.",
    "schema": {
        "type": "string",
        "example": '</v1/trends?page=1&page_size=20>; rel="first", </v1/trends?page=2&page_size=20>; rel="next"',
    },
}
IF_NONE_MATCH = {
    "name": "If-None-Match",
    "in": "header",
    "required": False,
    "description": "An `ETag` received earlier: the answer is `304 Not Modified` while it is current.",
    "schema": {"type": "string", "example": 'W/"281157c2c5297ae9-5f1c0e7a9b3d"'},
}


def null_only_alternative(self, field, ret, **kwargs):
    """apispec documents a nullable nested object (OpenAPI 3.0) as ``anyOf: [<schema>, {type:
    object, nullable: true}]``, whose second branch admits any object: code generators then type
    the field as "the schema, or null, or any object". ``enum: [null]`` keeps that branch to null."""
    for alternative in ret.get("anyOf", []):
        if alternative == {"type": "object", "nullable": True}:
            alternative["enum"] = [None]
    return {}


class Api(flask_smorest.Api):
    """flask-smorest's Api with RFC 9457 problems for every error."""

    ERROR_SCHEMA = ProblemSchema

    def _init_spec(self, **kwargs):
        super()._init_spec(**kwargs)
        self.ma_plugin.converter.add_attribute_function(null_only_alternative)

    def handle_http_exception(self, error):
        return from_http_exception(error)

    def _register_responses(self):
        for status in http.HTTPStatus:
            response = {"description": status.phrase}
            if status >= 400:
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, PROBLEM_JSON)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Any other error, as a problem.", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM_JSON)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)

    def _register_etag_headers(self):
        self.spec.components.parameter("IF_NONE_MATCH", "header", IF_NONE_MATCH, lazy=True)
        self.spec.components.header("ETAG", ETAG_HEADER, lazy=True)
        self.spec.components.header("CACHE_CONTROL", CACHE_CONTROL_HEADER, lazy=True)

    def _register_pagination_header(self):
        # flask-smorest sends X-Pagination as a JSON string, not an object: say so.
        self.spec.components.header("PAGINATION", PAGINATION_HEADER, lazy=True)
        self.spec.components.header("LINK", LINK_HEADER, lazy=True)


def printable_path_parameter(parameter):
    """A copy of a path parameter's documentation with the pattern of printable text, when it
    is a string."""
    if not isinstance(parameter, dict) or parameter.get("in") != "path" or parameter["schema"].get("type") != "string":
        return parameter
    return {**parameter, "schema": {**parameter["schema"], "pattern": PRINTABLE_PATTERN}}


class Blueprint(flask_smorest.Blueprint):
    """A read-only resource: every GET documents its caching headers, its rate limit and its
    errors (``cached=False`` for probes, which have none of these)."""

    DEFAULT_PAGINATION_PARAMETERS = {"page": 1, "page_size": 20, "max_page_size": 100}
    ARGUMENTS_PARSER = QueryParser()
    PAGINATION_ARGUMENTS_PARSER = PageParser()

    def __init__(self, *args, cached=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.cached = cached
        if cached:
            self._prepare_doc_cbks.append(self._prepare_read_doc)

    def route(self, rule, *, parameters=None, **options):
        """flask-smorest's ``route``; string path parameters say they hold no control characters,
        which every path is refused with (api/security.py)."""
        return super().route(rule, parameters=[printable_path_parameter(p) for p in parameters or []], **options)

    def _document_pagination_metadata(self, spec, resp_doc):
        resp_doc.setdefault("headers", {}).update({"X-Pagination": "PAGINATION", "Link": "LINK"})

    def _paging_parameters(self):
        limits = self.DEFAULT_PAGINATION_PARAMETERS
        return [
            {
                "in": "query",
                "name": "page",
                "required": False,
                "description": "Page number, from 1. A page past the end is an empty array.",
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": limits["page"], "example": 1},
            },
            {
                "in": "query",
                "name": "page_size",
                "required": False,
                "description": f"Items per page, at most {limits['max_page_size']}.",
                "schema": {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": limits["max_page_size"],
                    "default": limits["page_size"],
                    "example": 50,
                },
            },
        ]

    def _prepare_read_doc(self, doc, doc_info, *, method, **kwargs):
        if method != "get":
            return doc
        parameters = doc.setdefault("parameters", [])
        # flask-smorest documents page and page_size from a schema with no descriptions.
        for index, parameter in enumerate(parameters):
            if isinstance(parameter, dict) and getattr(parameter.get("schema"), "__name__", "") == "PaginationParametersSchema":
                parameters[index : index + 1] = self._paging_parameters()
                break
        parameters.append("IF_NONE_MATCH")
        responses = doc.setdefault("responses", {})
        for status, response in responses.items():
            if str(status).startswith("2") and isinstance(response, dict):
                response.setdefault("headers", {}).update({"ETag": "ETAG", "Cache-Control": "CACHE_CONTROL"})
        responses["304"] = "NOT_MODIFIED"
        responses["429"] = "TOO_MANY_REQUESTS"
        responses["503"] = "SERVICE_UNAVAILABLE"
        return doc
