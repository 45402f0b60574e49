"""Hardening: what a request may be, and the security headers of every answer."""

import re
from urllib.parse import unquote_to_bytes

# The API answers JSON: nothing in it may run, load or be framed.
API_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
# Swagger UI and ReDoc run the app's own scripts only; they style elements inline, show data:
# images, and ReDoc runs a web worker from a blob.
DOCS_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; frame-ancestors 'none'; "
    "base-uri 'self'; form-action 'none'"
)
DOCS_ENDPOINTS = frozenset({"api-docs.openapi_swagger_ui", "api-docs.openapi_redoc"})
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")  # Unicode's control characters (category Cc)
MAX_HEADER_BYTES = 16 * 1024  # a request's header lines, names and values (431 beyond)
HEADERS = (("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "no-referrer"), ("X-Frame-Options", "DENY"))


def is_utf8(path, query):
    """True when the path (as WSGI gives it: bytes read as latin-1) and the query string,
    percent-decoded, are UTF-8. Werkzeug would turn other bytes into U+FFFD silently."""
    try:
        path.encode("latin-1").decode()
        unquote_to_bytes(query).decode()
    except UnicodeError:
        return False
    return True


def refusal(environ, max_url_length):
    """``(status, detail)`` when the request must be refused before anything reads it, else None:
    a URL over ``max_url_length`` (414), headers over ``MAX_HEADER_BYTES`` (431), a URL that is not
    UTF-8 or a path holding control characters (400), an HTTP/1.1 request without ``Host`` (400,
    RFC 9112 §3.2)."""
    path, query = environ.get("PATH_INFO", ""), environ.get("QUERY_STRING", "")
    length = len(path) + len(query)
    if length > max_url_length:
        return 414, f"The URL is {length} characters long; at most {max_url_length} are accepted."
    size = sum(len(name) + len(value) for name, value in environ.items() if name.startswith("HTTP_"))
    if size > MAX_HEADER_BYTES:
        return 431, f"The headers hold {size} bytes; at most {MAX_HEADER_BYTES} are accepted."
    if not is_utf8(path, query):
        return 400, "The URL is not UTF-8 once percent-decoded."
    if CONTROL.search(path.encode("latin-1").decode()):
        return 400, "The path holds control characters."
    host = environ.get("HTTP_HOST", "")
    if not host and environ.get("SERVER_PROTOCOL") == "HTTP/1.1":
        return 400, "An HTTP/1.1 request must carry a Host header."
    if "," in host:  # the server joins repeated headers with commas
        return 400, "A request carries one Host header, naming one host."
    return None


def headers(endpoint):
    """The security headers of an answer: the strict policy unless the page is Swagger UI or ReDoc."""
    return [*HEADERS, ("Content-Security-Policy", DOCS_POLICY if endpoint in DOCS_ENDPOINTS else API_POLICY)]
