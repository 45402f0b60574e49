"""One shape for every failure: RFC 9457 problem details, ``application/problem+json``."""

import http
import json
import logging

import marshmallow as ma
import peewee
from flask import current_app, request

from .db import DatabaseDown, DatabaseTimeout
from .schemas import by_name, described

log = logging.getLogger("api.errors")
# Unreachable server, broken connection, missing file or schema ("relation does not exist" is a
# ProgrammingError on PostgreSQL): the database is away, and the answer is a 503.
DATABASE_ERRORS = (peewee.OperationalError, peewee.InterfaceError, peewee.ProgrammingError)
RETRY_AFTER = "5"  # seconds a client should wait when the database is away

PROBLEM_JSON = "application/problem+json"

# One URI per kind of problem (RFC 9457 §4.2): ``/problems/<kind>``, whose page says what it
# means and what to do (api/service.py). A kind's status is fixed; a status has one kind but
# 422 and 503, whose second kind is given where it arises.
PROBLEM_TYPES = {
    "bad-request": (
        400,
        "The request cannot be read: a URL that is not UTF-8 once percent-decoded, a path with "
        "control characters, no Host or several.",
    ),
    "unauthorized": (
        401,
        "The API key sent (`Authorization: Bearer` or `X-API-Key`) is not one the service accepts: malformed, "
        "unknown, revoked or expired (`detail` says which, `WWW-Authenticate` too). Send a valid key, or none.",
    ),
    "not-found": (
        404,
        "Nothing is at this URL: no such trend, expert, keyword or edition, or no such route; or a filter names a "
        "keyword the report does not have (`errors` names each, with the keywords it may have meant).",
    ),
    "method-not-allowed": (405, "The API only reads: GET, HEAD and OPTIONS (`Allow` lists them)."),
    "uri-too-long": (414, "The URL is longer than the service accepts (`MAX_URL_LENGTH`)."),
    "headers-too-large": (431, "The request's headers are larger than the service accepts (16 KiB)."),
    "invalid-parameters": (
        422,
        "A parameter's value is outside what the spec allows (a range, a length, a choice, control "
        "characters): `errors` names each parameter, with why.",
    ),
    "unknown-parameters": (422, "The operation takes no parameter of that name: `errors` names each, with the closest it takes."),
    "too-many-requests": (
        429,
        "This client's rate limit is spent: `Retry-After` says how many seconds to wait, `X-RateLimit-*` the limit.",
    ),
    "internal-error": (500, "The service failed to answer; it logged the fault under the answer's `X-Request-ID`."),
    "unavailable": (503, "The database does not answer, or has not been migrated: retry after `Retry-After` seconds."),
    "not-ready": (503, "`/ready`: a check fails (`checks` says which); the instance should get no traffic yet."),
}
# What each kind's problem looks like, as the service answers the request named (checked by
# tests/test_openapi.py where a test can make the service answer so): the docs' examples.
PROBLEM_EXAMPLES = {
    "bad-request": ("GET", "/v1/search?q=%FF", "The URL is not UTF-8 once percent-decoded.", None),
    "unauthorized": ("GET", "/v1/trends", "The key tdk_x7Rq2Lmc... was revoked.", None),
    "not-found": ("GET", "/v1/trends/99", "No trend '99' in edition 2021.", None),
    "method-not-allowed": ("POST", "/v1/trends", "POST is not allowed here; use GET, HEAD, OPTIONS.", None),
    "uri-too-long": ("GET", "/v1/search?q=…", "The URL is 40012 characters long; at most 32768 are accepted.", None),
    "headers-too-large": ("GET", "/v1/trends", "The headers hold 20480 bytes; at most 16384 are accepted.", None),
    "invalid-parameters": (
        "GET",
        "/v1/trends?page_size=0",
        "Invalid value for page_size: Must be greater than or equal to 1 and less than or equal to 100.",
        {"page_size": ["Must be greater than or equal to 1 and less than or equal to 100."]},
    ),
    "unknown-parameters": (
        "GET",
        "/v1/trends?keywords=splinternet",
        "Unknown parameter: keywords.",
        {"keywords": ['Unknown parameter. Did you mean "keyword"?']},
    ),
    "too-many-requests": ("GET", "/v1/trends", "More than 600 requests; slow down.", None),
    "internal-error": ("GET", "/v1/trends", "The service failed to answer; it has been logged.", None),
    "unavailable": ("GET", "/v1/trends", "The database cannot be reached right now; retry in a few seconds.", None),
    "not-ready": ("GET", "/ready", "Not ready: database unreachable (OperationalError).", None),
}


def problem_example(kind):
    """The example problem of ``kind`` (:data:`PROBLEM_EXAMPLES`), as the service writes it."""
    _, url, detail, errors = PROBLEM_EXAMPLES[kind]
    return json.loads(problem_body(PROBLEM_TYPES[kind][0], detail, url.partition("?")[0], errors=errors, kind=kind))


KIND_OF_STATUS = {}
for _kind, (_status, _) in PROBLEM_TYPES.items():
    KIND_OF_STATUS.setdefault(_status, _kind)


def problem_type(status, kind=None):
    """The ``type`` of a problem: its kind's URI, or ``about:blank`` for a status with none."""
    kind = kind or KIND_OF_STATUS.get(status)
    return f"/problems/{kind}" if kind else "about:blank"


class ProblemSchema(ma.Schema):
    """An RFC 9457 problem: what went wrong, for people and for programs."""

    type = described(
        ma.fields.String(),
        "URI reference naming the kind of problem (`/problems/<kind>`, relative to the API's address; its page "
        f"says what it means): {', '.join(f'`{kind}` ({status})' for kind, (status, _) in PROBLEM_TYPES.items())}. "
        "Branch on it, not on `detail`, which is for people.",
        "/problems/not-found",
    )
    title = described(ma.fields.String(), "Short summary of the kind of problem (the HTTP status phrase).", "Not Found")
    status = described(ma.fields.Integer(), "The HTTP status code.", 404)
    detail = described(ma.fields.String(), "What went wrong with this request, in words.", "No trend 99 in edition 2021.")
    instance = described(
        ma.fields.String(),
        "The path of the request that failed (a `urn:uuid:` when the request could not be read at all).",
        "/v1/trends/99",
    )
    checks = described(
        by_name(),
        "For `/ready`: the state of each check.",
        {"database": "ok", "migrations": "pending: 0003_search", "data": "ok"},
        required=False,
    )
    errors = described(
        by_name(ma.fields.List(ma.fields.String())),
        "For bad input: the messages for each parameter, by name.",
        {"page_size": ["Must be greater than or equal to 1 and less than or equal to 100."]},
        required=False,
    )


def problem_body(status, detail, instance, *, errors=None, kind=None, **members):
    """The bytes of a problem for ``status`` (of ``kind``: :data:`PROBLEM_TYPES`, by default the
    status's), with ``detail``, per-field ``errors`` and any extension ``members``."""
    body = {
        "type": problem_type(status, kind),
        "title": http.HTTPStatus(status).phrase,
        "status": status,
        "detail": detail or http.HTTPStatus(status).description,
        "instance": instance,
    }
    if errors:
        body["errors"] = errors
    body.update(members)
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def problem(status, detail=None, *, errors=None, headers=None, kind=None, **members):
    """A problem+json response of the app, for the request being answered."""
    body = problem_body(status, detail, request.path, errors=errors, kind=kind, **members)
    response = current_app.response_class(body, status=status, mimetype=PROBLEM_JSON)
    response.headers.update(headers or {})
    return response


# How each engine says a table is missing: a database made but not migrated.
MISSING_TABLE = ("no such table", "does not exist")


def database_detail(error):
    """What to tell a client (and the log) when the database fails."""
    if isinstance(error, DatabaseTimeout):
        return f"The database is not answering ({error}); retry in a few seconds."
    if isinstance(error, peewee.OperationalError | peewee.ProgrammingError) and any(text in str(error) for text in MISSING_TABLE):
        return "The database has not been migrated: its operator runs `flask db upgrade`, then `flask seed`."
    return "The database cannot be reached right now; retry in a few seconds."


def flatten_messages(messages):
    """webargs messages ``{"query": {"page": ["..."]}}`` as ``{"page": ["..."]}``."""
    flat = {}
    for location, fields in messages.items():
        if not isinstance(fields, dict):
            fields = {location: fields}
        for name, value in fields.items():
            flat.setdefault(str(name), []).extend(_strings(value))
    return flat


def _strings(value):
    if isinstance(value, str):
        return [value]
    values = value.values() if isinstance(value, dict) else value
    return [text for item in values for text in _strings(item)]


def log_database_error(error):
    if isinstance(error, DatabaseDown):  # the guard said so once already (api/db.py)
        log.debug("database unavailable: %s", error)
        return
    log.error("database unavailable: %s: %s", error.__class__.__name__, str(error).splitlines()[0] if str(error) else "")


def from_database_error(error):
    """A database that cannot be reached, or whose schema is missing: 503, never 500."""
    log_database_error(error)
    return problem(503, database_detail(error), headers={"Retry-After": RETRY_AFTER})


def from_http_exception(error):
    """The problem response for a werkzeug ``HTTPException`` (or webargs' 422)."""
    original = getattr(error, "original_exception", None)
    if isinstance(original, DATABASE_ERRORS):
        return from_database_error(original)
    data = getattr(error, "data", None) or {}
    headers = {k: v for k, v in error.get_headers() if k.lower() != "content-type"}
    headers.update(data.get("headers") or {})
    messages = data.get("errors") or data.get("messages")
    if messages:
        errors = flatten_messages(messages)
        names = ", ".join(sorted(errors))
        detail = data.get("message") or f"Invalid value for {names}: {' '.join(errors[sorted(errors)[0]])}"
        return problem(error.code, detail, errors=errors, headers=headers)
    detail = data.get("message") or (error.description if error.description != type(error).description else None)
    if error.code == 405:  # the methods in one order, whatever werkzeug's set gives
        headers["Allow"] = ", ".join(sorted(method.strip() for method in headers.get("Allow", "GET").split(",")))
        detail = f"{request.method} is not allowed here; use {headers['Allow']}."
    elif error.code == 404 and detail is None:
        detail = f"Nothing at {request.path}. The API is under /v1; see /docs."
    return problem(error.code, detail, headers=headers)
