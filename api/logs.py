"""One JSON line per request, and request ids: taken from ``X-Request-ID`` or made, echoed back,
and carried by every log line written while the request runs."""

import logging
import re
import sys
import time
import uuid

from flask import g, has_request_context, request
from pythonjsonlogger.json import JsonFormatter

REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
ROUTE = "tendances.route"  # environ: the URL rule that answered (api/edge.py logs it on replays)
access_log = logging.getLogger("api.access")


class RequestContext(logging.Filter):
    """Stamp each record with the current request id (or none outside requests)."""

    def filter(self, record):
        if not hasattr(record, "request_id"):  # the edge passes its own
            record.request_id = getattr(g, "request_id", None) if has_request_context() else None
        return True


def configure(level):
    """JSON lines on standard output for the app's loggers (``api.*``)."""
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(
        JsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            datefmt="%Y-%m-%dT%H:%M:%S%z",
        )
    )
    handler.addFilter(RequestContext())
    logger = logging.getLogger("api")
    logger.handlers[:] = [handler]
    logger.setLevel(level)
    logger.propagate = False


def start_request():
    """Before each request: its id and its start time."""
    incoming = request.headers.get("X-Request-ID", "")
    g.request_id = incoming if REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
    g.started = time.perf_counter()


def finish_request(response):
    """After each request: echo the id, write the access line."""
    response.headers["X-Request-ID"] = g.get("request_id", "")
    duration = time.perf_counter() - g.get("started", time.perf_counter())
    g.duration = duration
    request.environ[ROUTE] = route()
    if access_log.isEnabledFor(logging.INFO):
        access_log.info(
            "request",
            extra={
                "method": request.method,
                "route": route(),
                "path": request.path,
                "status": response.status_code,
                "duration_ms": round(duration * 1000, 3),
                "client": request.remote_addr,
                "bytes": response.calculate_content_length(),
                "cached": False,
            },
        )
    return response


def route():
    """The URL rule that served the request (``/v1/trends/<number_or_slug>``), not the path."""
    return request.url_rule.rule if request.url_rule else "unmatched"


def init_app(app):
    configure(app.config["LOG_LEVEL"])
    app.before_request(start_request)
    app.after_request(finish_request)
