"""gunicorn's own refusals as RFC 9457 problems, like every answer of the app.

A request gunicorn cannot read (bytes that are not a request line, a header over its limits, an
unknown HTTP version) never reaches the app: gunicorn answers it with a small HTML page written
by ``gunicorn.util.write_error``. gunicorn.conf.py puts :func:`write_problem` in its place.
"""

import http
import json
import uuid

from gunicorn import util


def write_problem(sock, status_int, reason, mesg):
    """``gunicorn.util.write_error``'s signature and job, with an ``application/problem+json`` body.

    There is no path to name the occurrence by (the request could not be read): its ``instance``
    is a URN of its own.
    """
    try:
        title = http.HTTPStatus(status_int).phrase
    except ValueError:
        title = reason
    problem = {"type": "about:blank", "title": title, "status": status_int, "detail": mesg or title}
    problem["instance"] = f"urn:uuid:{uuid.uuid4()}"
    body = json.dumps(problem, ensure_ascii=False, separators=(",", ":")).encode()
    head = (
        f"HTTP/1.1 {status_int} {reason}\r\nConnection: close\r\nContent-Type: application/problem+json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    util.write_nonblock(sock, head.encode("latin-1") + body)
