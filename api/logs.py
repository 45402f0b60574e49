"""JSON log lines: one per request (the access log), and the request id every line carries.

The request path (api/pipeline.py) sets the request id before anything else runs and writes
the access line after everything else; lines written in between (an error in a view) carry
the id through :data:`current_request_id`.
"""

import logging
import os
import re
import sys
from contextvars import ContextVar

import orjson
from pythonjsonlogger.json import JsonFormatter

REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
current_request_id = ContextVar("request_id", default=None)
access_log = logging.getLogger("api.access")
JSON_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s"
DATE_FORMAT = "%Y-%m-%dT%H:%M:%S%z"


class RequestContext(logging.Filter):
    """Stamp each record with the request being answered (none outside requests)."""

    def filter(self, record):
        if not hasattr(record, "request_id"):
            record.request_id = current_request_id.get()
        return True


class AccessFormatter(logging.Formatter):
    """The access line, as the JSON lines of :func:`formatter` are, at a fraction of their cost:
    it is written for every request (the time is formatted once a second, the line by orjson)."""

    second = (None, "")  # (a whole second, as formatted): replaced whole, so threads read it whole

    def format(self, record):
        whole, formatted = self.second
        if whole != int(record.created):
            whole, formatted = int(record.created), self.formatTime(record, DATE_FORMAT)
            self.second = (whole, formatted)
        line = {"time": formatted, "level": record.levelname, "logger": record.name, "message": record.getMessage()}
        line.update(record.access)
        return orjson.dumps(line).decode()


class LineHandler(logging.StreamHandler):
    """A stream handler writing each line as bytes straight to the stream's file descriptor: no
    text layer, no separate flush (a line reaches the pipe or file at once). A stream with no
    file descriptor (a test's capture) is written as StreamHandler writes it."""

    def emit(self, record):
        try:
            fileno = self.stream.fileno()
        except (AttributeError, OSError, ValueError):
            super().emit(record)
            return
        try:
            line = memoryview(f"{self.format(record)}{self.terminator}".encode())
            while line:
                line = line[os.write(fileno, line) :]
        except Exception:
            self.handleError(record)


def formatter():
    return JsonFormatter(
        JSON_FORMAT,
        rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        datefmt=DATE_FORMAT,
    )


def configure(level):
    """JSON lines on standard output for the app's loggers (``api.*``); the access log's own."""
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(formatter())
    handler.addFilter(RequestContext())
    logger = logging.getLogger("api")
    logger.handlers[:] = [handler]
    logger.setLevel(level)
    logger.propagate = False
    access = LineHandler(sys.stdout)
    access.setFormatter(AccessFormatter())
    access_log.handlers[:] = [access]
    access_log.propagate = False


STDOUT = {"class": "logging.StreamHandler", "stream": "ext://sys.stdout", "filters": ["request"]}


def granian_logging():
    """The server's own lines (start, stop, workers) as JSON too: a ``logging`` dict config."""
    return {
        "formatters": {"console": {"()": formatter}, "access": {"()": formatter}},
        "filters": {"request": {"()": RequestContext}},
        "handlers": {name: {**STDOUT, "formatter": name} for name in ("console", "access")},
    }


def request_id(incoming):
    """The client's ``X-Request-ID`` when it is a sensible one, else a new id (128 random bits)."""
    return incoming if incoming and REQUEST_ID.fullmatch(incoming) else os.urandom(16).hex()


def log_request(exchange, status, size):
    """The access line of one answered request."""
    if access_log.isEnabledFor(logging.INFO):
        access = {
            "request_id": exchange.request_id,
            "method": exchange.method,
            "route": exchange.route,
            "path": exchange.path,
            "status": status,
            "duration_ms": round(exchange.elapsed() * 1000, 3),
            "client": exchange.client,
            "bytes": size,
            "kept": exchange.kept,
        }
        if exchange.key is not None:  # its name: never the key itself
            access["key"] = exchange.key.name
        # makeRecord and handle: what info() does, without looking up the caller's frame
        record = access_log.makeRecord(access_log.name, logging.INFO, __file__, 0, "request", (), None)
        record.access = access
        access_log.handle(record)
