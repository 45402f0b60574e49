"""The API's index and its problem types; its probes (liveness, readiness) and metrics, which are
never cached nor rate limited."""

from http import HTTPStatus

import marshmallow as ma
from flask import abort, current_app
from flask.views import MethodView

from . import metrics
from .db import DatabaseTimeout, db, is_postgres, migration_runner
from .openapi import Blueprint, path_parameter
from .problems import DATABASE_ERRORS, PROBLEM_TYPES, problem, problem_type
from .schemas import by_name, described, example_url, href, public_url
from .serialization import Schema

blp = Blueprint("service", __name__, description="The API's index.")
DOCUMENTATION = {"swagger_ui": "/docs", "redoc": "/redoc", "openapi": "/openapi.json", "problem_types": "/problems"}
RESOURCES = ("trends", "experts", "keywords", "editions", "search")
probes = Blueprint("probes", __name__, description="Liveness, readiness and metrics.", cached=False, limited=False)


class IndexSchema(Schema):
    name = described(ma.fields.String(), "Name of the service.", "Tendances 2021 API")
    documentation = described(
        by_name(),
        "Where the documentation is.",
        {name: example_url(path) for name, path in DOCUMENTATION.items()},
    )
    resources = described(
        by_name(),
        "Entry points of the API.",
        {name: example_url(f"/v1/{name}") for name in RESOURCES},
    )


class HealthSchema(Schema):
    status = described(ma.fields.String(), "Always `ok` when the process answers.", "ok")


class ReadySchema(Schema):
    status = described(ma.fields.String(), "`ready`.", "ready")
    checks = described(
        by_name(),
        "Each check and its state.",
        {"database": "ok", "migrations": "ok", "data": "ok"},
    )


def readiness_checks():
    """``{check: state}``: the database answers, every migration is applied, data is seeded."""
    try:
        db.execute_sql("SELECT 1" if is_postgres() else "PRAGMA schema_version")  # SQLite: reads the file
    except DatabaseTimeout as error:
        return {"database": f"not answering ({error})", "migrations": "unknown", "data": "unknown"}
    except DATABASE_ERRORS as error:
        return {"database": f"unreachable ({error.__class__.__name__})", "migrations": "unknown", "data": "unknown"}
    checks = {"database": "ok"}
    try:
        pending = [m.name for m in migration_runner().status() if not m.applied]
        checks["migrations"] = f"pending: {', '.join(pending)}" if pending else "ok"
        seeded = db.execute_sql("SELECT value FROM metadata WHERE key = 'data_version'").fetchone()
        checks["data"] = "ok" if seeded else "not seeded: run flask seed"
    except DATABASE_ERRORS as error:
        checks.setdefault("migrations", f"unknown ({error.__class__.__name__})")
        checks["data"] = "not seeded: the schema is missing"
    finally:
        db.release()
    return checks


@blp.route("/")
class Index(MethodView):
    @blp.doc(operationId="getIndex")
    @blp.response(200, IndexSchema)
    def get(self):
        """API index

        Links to the documentation and to each resource.
        """
        return {
            "name": "Tendances 2021 API",
            "documentation": {name: f"{public_url.get()}{path}" for name, path in DOCUMENTATION.items()},
            "resources": {name: href(f"/{name}") for name in RESOURCES},
        }


class ProblemTypeSchema(Schema):
    type = described(ma.fields.String(), "The URI problems of this kind carry in `type`.", "/problems/not-found")
    title = described(ma.fields.String(), "Their `title`: the status's phrase.", "Not Found")
    status = described(ma.fields.Integer(), "Their status code.", 404)
    description = described(ma.fields.String(), "What the kind means, and what a client can do.", PROBLEM_TYPES["not-found"][1])


def problem_type_of(kind):
    status, description = PROBLEM_TYPES[kind]
    return {"type": problem_type(status, kind), "title": HTTPStatus(status).phrase, "status": status, "description": description}


@blp.route("/problems")
class ProblemTypes(MethodView):
    @blp.doc(operationId="listProblemTypes")
    @blp.response(200, ProblemTypeSchema(many=True))
    def get(self):
        """List problem types

        Every kind of problem the API answers with (RFC 9457): the URI its `type` carries,
        its status, and what it means. A client branches on `type`.
        """
        return [problem_type_of(kind) for kind in PROBLEM_TYPES]


@blp.route("/problems/<kind>", parameters=[path_parameter("kind", "The kind of problem.", example="not-found")])
class ProblemType(MethodView):
    @blp.doc(operationId="getProblemType")
    @blp.response(200, ProblemTypeSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, kind):
        """Get a problem type

        What a kind of problem means: the page a problem's `type` names.
        """
        if kind not in PROBLEM_TYPES:
            abort(404, f"No problem type {kind!r}; see /problems.")
        return problem_type_of(kind)


@probes.route("/health")
class Health(MethodView):
    @probes.doc(operationId="getHealth")
    @probes.response(200, HealthSchema)
    def get(self):
        """Liveness probe

        The process is up. Touches nothing else (no database), so it never fails while the
        process runs.
        """
        return {"status": "ok"}


@probes.route("/ready")
class Ready(MethodView):
    @probes.doc(operationId="getReady")
    @probes.response(200, ReadySchema)
    @probes.alt_response(503, response="SERVICE_UNAVAILABLE")
    def get(self):
        """Readiness probe

        Ready to serve: the database answers, every migration is applied and data is seeded.
        Otherwise a 503 problem whose `checks` say which is not.
        """
        checks = readiness_checks()
        if any(state != "ok" for state in checks.values()):
            failing = ", ".join(f"{name} {state}" for name, state in checks.items() if state != "ok")
            return problem(503, f"Not ready: {failing}.", headers={"Retry-After": "5"}, kind="not-ready", checks=checks)
        return {"status": "ready", "checks": checks}


@probes.route("/metrics")
class Metrics(MethodView):
    @probes.doc(operationId="getMetrics")
    @probes.response(
        200,
        {"type": "string", "example": 'http_requests_total{method="GET",route="/v1/trends",status="200"} 42.0'},
        content_type="text/plain",
        description="Prometheus text exposition, every worker's samples added up.",
    )
    def get(self):
        """Prometheus metrics

        Requests and their latency by route and status, and process metrics (memory, CPU,
        open files) of each worker.
        """
        body, content_type = metrics.exposition()
        return current_app.response_class(body, content_type=content_type)
