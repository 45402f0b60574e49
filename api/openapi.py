"""flask-smorest, adjusted through its documented hooks only: problem+json errors, documented
caching and paging headers, Swagger UI and ReDoc served from the app's own files.

Errors: ``Api.ERROR_SCHEMA`` and ``Api.handle_http_exception``. Components: ours, registered on
``api.spec`` (``register_components``). Operations: apispec plugins given in ``spec_kwargs``, the
marshmallow one and ``OperationsPlugin``, whose ``operation_helper`` completes each operation.
"""

import http
from functools import wraps

import flask_smorest
from apispec import BasePlugin
from apispec.ext import marshmallow as apispec_marshmallow
from apispec.ext.marshmallow.common import resolve_schema_cls
from flask_smorest.pagination import PaginationMetadataSchema

from .pagination import PageArgsSchema
from .parameters import PRINTABLE_PATTERN, QueryParser
from .problems import KIND_OF_STATUS, PROBLEM_JSON, ProblemSchema, from_http_exception, problem_example

API_DESCRIPTION = """\
Digimind's yearly report **"Social Media et Marketing Digital : l'avis des experts"** as JSON:
the **trends** of each edition, the **experts** who wrote them, the report's **keywords** (each
linked to the trends it is about, with the passage that shows why), and the **editions**
themselves, each with its numbers of trends, experts and keywords.

- **Lists** are paged with `page` and `page_size` (20 by default, at most 100). The body is the
  array of items; `X-Pagination` (JSON) and `Link` (RFC 8288: `first`, `prev`, `next`, `last`)
  headers say where the other pages are.
- **URLs** (in `Link` and every `url` field) are absolute, under the address the service is
  published at: follow them as they are.
- **Errors** are RFC 9457 problem details (`application/problem+json`), with an `errors` member
  naming each bad parameter. Each `type` names its kind (`/problems/not-found`,
  `/problems/invalid-parameters`...; all listed at `/problems`): branch on it, not on `detail`.
  A parameter that takes one value may be given once (`?page=1&page=2` is a 422), a parameter the
  operation does not take is a 422 too; a URL that is not UTF-8 once percent-decoded is a 400.
  Text parameters hold no control characters (Unicode's category Cc, as each one's `pattern`
  says): one that does is a 422 naming it.
- **JSON unless `Accept` prefers another type the operation offers**: an `Accept` header naming
  none (`application/xml`) still gets JSON (RFC 9110 lets a server answer what it has), never a
  406; errors are `application/problem+json` alike. A trend, an expert, a keyword and an edition
  are also JSON-LD (`application/ld+json`: schema.org and SKOS, context at `/v1/context.jsonld`,
  the thesaurus at `/v1/thesaurus.jsonld`); a trend's citation is CSL-JSON, or BibTeX when
  `Accept` prefers `application/x-bibtex`. Each representation has its own `ETag`.
- **Caching**: every answer carries an `ETag` that changes only when the data is re-seeded;
  send it back in `If-None-Match` to get `304 Not Modified`.
- **Exports**: `/v1/exports/{trends,experts,keywords}.{csv,ndjson}` stream every row a list
  keeps, with its filters, in one answer.
- **API keys** are optional: anonymous clients are limited by address; a key (`Authorization:
  Bearer <key>` or `X-API-Key`, made on the server with `flask keys create`) has its own limit,
  shown by `X-RateLimit-Limit` and `/v1/me`. A key that is not accepted is a 401, never
  anonymous. Keys belong on servers: no browser may send one to another origin.
- **Identifiers**: slugs are lowercase ASCII and stable; trends are also found by their number.
- Text is the report's own French, verbatim, in UTF-8.
"""

TAGS = [
    {"name": "trends", "description": "The report's trend articles, their sections, footnotes and keywords."},
    {"name": "experts", "description": "The experts who wrote the trends."},
    {"name": "keywords", "description": "The report's keyword cloud, each keyword linked to its trends."},
    {"name": "editions", "description": "Yearly editions of the report."},
    {"name": "search", "description": "French full-text search across trends, experts and keywords."},
    {"name": "exports", "description": "Every row of a list in one answer, CSV or NDJSON, streamed."},
    {"name": "linked", "description": "The report as linked data: the JSON-LD context and the thesaurus as SKOS."},
    {"name": "account", "description": "What this client's API key, or its address, may do."},
    {"name": "service", "description": "The API's index."},
    {"name": "probes", "description": "Liveness and readiness probes, and Prometheus metrics."},
]

ETAG_HEADER = {
    "description": "Version of the data this answer was built from; send it in `If-None-Match`.",
    "schema": {"type": "string", "example": 'W/"5be940f911b93090-15d4c2a8659a"'},
}
CACHE_CONTROL_HEADER = {
    "description": "How long shared and browser caches may keep the answer.",
    "schema": {"type": "string", "example": "public, max-age=300"},
}
PAGINATION_HEADER = {
    "description": "Paging metadata, a JSON object with the same members on every page: `total` (items), `total_pages`, "
    "`page` and `page_size` (as asked), and the page numbers `Link` names, by the same relations: `first`, `prev`, "
    "`next`, `last`, each null where there is none (all of them for an empty list; `next` from the last page on, "
    "where `prev` is the last page). The example is page 2 of a list of 45 items, 20 a page.",
    "schema": {
        "type": "string",
        "example": '{"total": 45, "total_pages": 3, "page": 2, "page_size": 20, "first": 1, "prev": 1, "next": 3, "last": 3}',
    },
}
LINK_HEADER = {
    "description": "RFC 8288 links to the `first`, `prev`, `next` and `last` pages, each where there is one (as "
    "`X-Pagination` numbers them): on every page of a list that has items, past its end too. Each is this request's "
    "URL with `page` changed. The example is page 2 of 3.",
    "schema": {
        "type": "string",
        "example": '</v1/trends?page=1>; rel="first", </v1/trends?page=1>; rel="prev", </v1/trends?page=3>; rel="next", '
        '</v1/trends?page=3>; rel="last"',
    },
}
IF_NONE_MATCH = {
    "name": "If-None-Match",
    "in": "header",
    "required": False,
    "description": "An `ETag` received earlier (from this URL's answer): the answer is `304 Not Modified` while it "
    'is current. Example: `W/"5be940f911b93090-15d4c2a8659a"`.',
    "schema": {"type": "string"},
}


RATE_LIMIT_HEADERS = {
    "X-RateLimit-Limit": {
        "description": "Requests this client may make in the current window: its API key's limit, or without a key "
        "the client address's (`RATE_LIMIT`).",
        "schema": {"type": "integer", "example": 600},
    },
    "X-RateLimit-Remaining": {
        "description": "Requests left in the current window.",
        "schema": {"type": "integer", "example": 599},
    },
    "X-RateLimit-Reset": {
        "description": "When the current window ends, in seconds since the Unix epoch.",
        "schema": {"type": "integer", "example": 1764576060},
    },
}
RETRY_AFTER_HEADER = {
    "description": "Seconds to wait before trying again (RFC 9110 §10.2.3).",
    "schema": {"type": "integer", "example": 5},
}
WWW_AUTHENTICATE_HEADER = {
    "description": "The scheme to send a key with, and why the one sent is refused (RFC 6750).",
    "schema": {
        "type": "string",
        "example": 'Bearer realm="tendances", error="invalid_token", error_description="The key tdk_x7Rq2Lmc... was revoked."',
    },
}
# The optional credentials: an API key raises the client's rate limit (api/keys.py).
SECURITY_SCHEMES = {
    "bearerKey": {
        "type": "http",
        "scheme": "bearer",
        "description": "An API key (`tdk_` and 40 characters, from `flask keys create`) as `Authorization: Bearer "
        "<key>`. Optional: without one, the client address's limit applies. Keys belong on servers.",
    },
    "headerKey": {
        "type": "apiKey",
        "in": "header",
        "name": "X-API-Key",
        "description": "The same API key, in a header of its own.",
    },
}
SECURITY = [{}, {"bearerKey": []}, {"headerKey": []}]  # anonymous, or either way to send a key
CORS_HEADER = {
    "description": "Who may read the answer from a browser (`CORS_ORIGINS`: `*` by default, or the requesting origin "
    "when it is listed). `Access-Control-Expose-Headers` lets browser code read `ETag`, `Link`, `X-Pagination`, "
    "`X-Request-ID`, the `X-RateLimit-*` headers and `Retry-After`.",
    "schema": {"type": "string", "example": "*"},
}
PAGING = set(PageArgsSchema().fields)  # the parameters of a paged operation (Blueprint.paginate)
HEADERS = {
    "PAGINATION": PAGINATION_HEADER,
    "LINK": LINK_HEADER,
    "ETAG": ETAG_HEADER,
    "CACHE_CONTROL": CACHE_CONTROL_HEADER,
    "RETRY_AFTER": RETRY_AFTER_HEADER,
    "WWW_AUTHENTICATE": WWW_AUTHENTICATE_HEADER,
    "ACCESS_CONTROL_ALLOW_ORIGIN": CORS_HEADER,
    **{name.upper().replace("-", "_"): header for name, header in RATE_LIMIT_HEADERS.items()},
}
RATE_LIMITED = {name: name.upper().replace("-", "_") for name in RATE_LIMIT_HEADERS}  # header -> component
CORS = {"Access-Control-Allow-Origin": "ACCESS_CONTROL_ALLOW_ORIGIN"}
# What a status's answers carry besides a body (every answer of a cached operation carries CORS's).
STATUS_HEADERS = {
    401: {"WWW-Authenticate": "WWW_AUTHENTICATE"},
    429: {**RATE_LIMITED, "Retry-After": "RETRY_AFTER"},
    503: {"Retry-After": "RETRY_AFTER"},
}


class Api(flask_smorest.Api):
    """flask-smorest's Api with RFC 9457 problems for every error."""

    ERROR_SCHEMA = ProblemSchema

    def handle_http_exception(self, error):
        return from_http_exception(error)


def spec_kwargs(app):
    """flask-smorest's ``spec_kwargs`` for ``app``'s Api: the apispec plugins below."""
    return {"marshmallow_plugin": MarshmallowPlugin(), "extra_plugins": [OperationsPlugin(app.blueprints)]}


def register_components(api):
    """Register on ``api.spec`` the components operations refer to: every status as a response
    (a problem from 400 on), the default error, ``If-None-Match`` and the headers of answers.

    flask-smorest registers defaults under these names (errors as ``application/json``,
    ``X-Pagination`` as an object, ``ETag`` and ``If-None-Match`` with no example) lazily, so
    that only those an operation refers to are published; registered after them, lazily too,
    ours take their place. Call it before registering blueprints, whose operations refer to them.
    """
    components = api.spec.components
    for status in http.HTTPStatus:
        schema = api.ERROR_SCHEMA if status >= 400 else None
        response = response_component(status.phrase, schema)
        if status in KIND_OF_STATUS:  # its own problem, as the service answers it
            response["content"][PROBLEM_JSON]["example"] = problem_example(KIND_OF_STATUS[status])
        headers = {**STATUS_HEADERS.get(status, {}), **CORS}
        response["headers"] = headers  # component names: apispec makes them references
        components.response(status.name, response, lazy=True)
    default = response_component("Any other error, as a problem.", api.ERROR_SCHEMA)
    components.response(api.DEFAULT_ERROR_RESPONSE_NAME, default, lazy=True)
    components.parameter("IF_NONE_MATCH", "header", IF_NONE_MATCH, lazy=True)
    for name, scheme in SECURITY_SCHEMES.items():
        components.security_scheme(name, scheme)
    for name, header in HEADERS.items():  # lazily, but Retry-After, which only responses refer to
        components.header(name, header, lazy=name not in ("RETRY_AFTER", "WWW_AUTHENTICATE"))


def response_component(description, schema=None):
    """A response: ``description``, and a problem+json body of ``schema`` if there is one."""
    if schema is None:
        return {"description": description}
    return {"description": description, "content": {PROBLEM_JSON: {"schema": schema}}}


class MarshmallowPlugin(apispec_marshmallow.MarshmallowPlugin):
    """apispec's marshmallow plugin, naming schemas with ``schema_name`` and converting fields
    with ``null_only_alternative`` as well."""

    def __init__(self):
        super().__init__(schema_name_resolver=schema_name)

    def init_spec(self, spec):
        super().init_spec(spec)  # makes the converter
        self.converter.add_attribute_function(null_only_alternative)


def schema_name(schema):
    """apispec's name for a schema component (its default resolver's), and none for the object
    of the ``X-Pagination`` header flask-smorest registers in every spec: apispec then inlines it
    instead of listing it among the schemas, and ``PAGINATION_HEADER`` takes its place (the
    header is a JSON string, and our paging makes it: ``Blueprint.paginate``)."""
    if resolve_schema_cls(schema) is PaginationMetadataSchema:
        return None
    return apispec_marshmallow.resolver(schema)


def null_only_alternative(self, field, ret, **kwargs):
    """apispec documents a nullable nested object (OpenAPI 3.0) as ``anyOf: [<schema>, {type:
    object, nullable: true}]``, whose second branch admits any object: code generators then type
    the field as "the schema, or null, or any object". ``enum: [null]`` keeps that branch to null."""
    for alternative in ret.get("anyOf", []):
        if alternative == {"type": "object", "nullable": True}:
            alternative["enum"] = [None]
    return {}


class OperationsPlugin(BasePlugin):
    """Completes each operation flask-smorest registers (``spec.path(rule=...)``) with what
    flask-smorest cannot know:

    - a paged operation (one with ``page`` and ``page_size``, ``Blueprint.paginate``): the
      ``X-Pagination`` and ``Link`` headers of its answers;
    - a GET of a cached blueprint, which the request path (api/pipeline.py) answers:
      ``If-None-Match``, ``ETag`` and ``Cache-Control``, and the ``304``;
    - an operation of a limited blueprint: the rate-limit headers, the ``401`` of a key refused,
      the ``429`` and the ``503``.
    """

    def __init__(self, blueprints):
        super().__init__()
        self.blueprints = blueprints  # the app's, by name: each says whether it is cached

    def operation_helper(self, path=None, operations=None, *, rule, **kwargs):
        blueprint = self.blueprints[rule.endpoint.rpartition(".")[0]]
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                if isinstance(parameter, dict) and not parameter.get("required"):
                    example_in_words(parameter)
            answers = [r for s, r in operation["responses"].items() if str(s).startswith("2") and isinstance(r, dict)]
            if any(map(is_paging, operation.get("parameters", []))):
                document_paging(operation, answers)
            if blueprint.cached and method == "get":
                document_caching(operation, answers)
            if blueprint.limited:
                document_limits(operation, answers)


def example_in_words(parameter):
    """An optional parameter's example in its description, not as ``example``: Swagger UI's "Try it
    out" fills a parameter with its example, and a first "Execute" would send every filter."""
    schema = parameter.get("schema", {})
    example = parameter.pop("example", schema.pop("example", None))
    if example is None:
        return
    if isinstance(example, bool):
        shown = str(example).lower()
    else:
        shown = ", ".join(map(str, example)) if isinstance(example, list) else example
    parameter["description"] = f"{parameter.get('description', '').rstrip()} Example: `{shown}`.".lstrip()


def document_paging(operation, answers):
    """Paging parameters after the operation's own, and the paging headers."""
    parameters = operation["parameters"]
    parameters.sort(key=is_paging)  # a stable sort
    for answer in answers:
        answer.setdefault("headers", {}).update({"X-Pagination": "PAGINATION", "Link": "LINK"})


def document_caching(operation, answers):
    parameters_of(operation).append("IF_NONE_MATCH")
    for answer in answers:
        answer.setdefault("headers", {}).update({"ETag": "ETAG", "Cache-Control": "CACHE_CONTROL"})
    operation["responses"]["304"] = "NOT_MODIFIED"


def document_limits(operation, answers):
    for answer in answers:
        answer.setdefault("headers", {}).update({**RATE_LIMITED, **CORS})
    operation["responses"].update({"401": "UNAUTHORIZED", "429": "TOO_MANY_REQUESTS", "503": "SERVICE_UNAVAILABLE"})


def is_paging(parameter):
    return isinstance(parameter, dict) and parameter.get("in") == "query" and parameter.get("name") in PAGING


def parameters_of(operation):
    """The operation's list of parameters; made, when it has none, just after its responses,
    where flask-smorest's own callbacks add theirs (so the document keeps its order)."""
    if "parameters" not in operation:
        entries = list(operation.items())
        operation.clear()
        for key, value in entries:
            operation[key] = value
            if key == "responses":
                operation["parameters"] = []
    return operation["parameters"]


def path_parameter(name, description, schema=None, **example):
    """A path parameter's documentation, for a route's ``parameters``: a non-empty string unless
    ``schema`` says otherwise; ``example=`` or ``examples=``."""
    schema = schema or {"type": "string", "minLength": 1}
    return {"in": "path", "name": name, "description": description, "schema": schema, **example}


def printable_path_parameter(parameter):
    """A copy of a path parameter's documentation with the pattern of printable text, when it
    is a string."""
    if not isinstance(parameter, dict) or parameter.get("in") != "path" or parameter["schema"].get("type") != "string":
        return parameter
    return {**parameter, "schema": {**parameter["schema"], "pattern": PRINTABLE_PATTERN}}


class Blueprint(flask_smorest.Blueprint):
    """A read-only resource: its GETs are cached and rate limited, and documented so
    (``OperationsPlugin``); ``cached=False`` for answers that change by the request (a
    client's own account), ``limited=False`` too for probes, which are neither;
    ``streamed=True`` for answers passed on as their chunks come (exports)."""

    ARGUMENTS_PARSER = QueryParser()

    def __init__(self, *args, cached=True, limited=True, streamed=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.cached, self.limited, self.streamed = cached, limited, streamed

    def route(self, rule, *, parameters=None, **options):
        """flask-smorest's ``route``; string path parameters say they hold no control characters,
        which every path is refused with (api/security.py)."""
        return super().route(rule, parameters=[printable_path_parameter(p) for p in parameters or []], **options)

    def paginate(self):
        """Page the view's answer: it gets ``pagination_parameters``, a :class:`~api.pagination.Paging`
        read from ``page`` and ``page_size``, sets its ``item_count``, and the answer carries
        the ``X-Pagination`` and ``Link`` headers it makes. flask-smorest's own (which this
        replaces) built a metadata schema for every answer."""

        def decorator(view):
            @wraps(view)
            def paged(*args, pagination_parameters, **kwargs):
                return view(*args, pagination_parameters=pagination_parameters, **kwargs), pagination_parameters.headers()

            return self.arguments(PageArgsSchema, location="query", arg_name="pagination_parameters")(paged)

        return decorator
