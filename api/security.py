"""Hardening: security headers on every answer, and limits on what a request may be."""

import unicodedata
from urllib.parse import unquote_to_bytes

from flask import current_app, request
from flask_smorest import abort

# The API answers JSON: nothing in it may run, load or be framed.
API_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
# Swagger UI and ReDoc run the app's own scripts only; they style elements inline, show data:
# images, and ReDoc runs a web worker from a blob.
DOCS_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; frame-ancestors 'none'; "
    "base-uri 'self'; form-action 'none'"
)
DOCS_ENDPOINTS = {"api-docs.openapi_swagger_ui", "api-docs.openapi_redoc"}


def is_utf8(path, query):
    """True when the path (as WSGI gives it: bytes read as latin-1) and the query string,
    percent-decoded, are UTF-8. Werkzeug would turn other bytes into U+FFFD silently."""
    try:
        path.encode("latin-1").decode()
        unquote_to_bytes(query).decode()
    except UnicodeError:
        return False
    return True


def check_request():
    """Before the view: refuse over-long URLs (414), URLs that are not UTF-8 (400) and control
    characters in the path (400)."""
    length = len(request.path) + len(request.query_string)
    if length > current_app.config["MAX_URL_LENGTH"]:
        abort(414, message=f"The URL is {length} characters long; at most {current_app.config['MAX_URL_LENGTH']} are accepted.")
    if not is_utf8(request.environ.get("PATH_INFO", ""), request.query_string):
        abort(400, message="The URL is not UTF-8 once percent-decoded.")
    if any(unicodedata.category(c) == "Cc" for c in request.path):
        abort(400, message="The path holds control characters.")


def add_headers(response):
    """After the view: security headers, the strict policy unless the page is Swagger UI or ReDoc."""
    headers = response.headers
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "no-referrer"
    headers["X-Frame-Options"] = "DENY"
    headers["Content-Security-Policy"] = DOCS_POLICY if request.endpoint in DOCS_ENDPOINTS else API_POLICY
    return response


def init_app(app):
    app.config.setdefault("MAX_CONTENT_LENGTH", 64 * 1024)  # the API reads no bodies
    app.before_request(check_request)
    app.after_request(add_headers)
