"""CORS (the Fetch standard): which origins may read the API from a browser, and preflights.

A read-only API: GET and HEAD from the configured origins (``*`` by default), with the headers
browser code needs exposed. A preflight (``OPTIONS`` with ``Origin`` and
``Access-Control-Request-Method``) is answered ``204`` by the request path before the rate
limit, with ``Access-Control-Max-Age`` so browsers ask once a day at most.
"""

ALLOWED_METHODS = "GET, HEAD, OPTIONS"
# Request headers a page may send beyond the CORS-safelisted ones.
ALLOWED_HEADERS = "If-None-Match, X-Request-ID"
EXPOSED_HEADERS = (
    "ETag, Link, X-Pagination, X-Request-ID, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset, Retry-After"
)
MAX_AGE = "86400"


class Policy:
    def __init__(self, origins):
        self.any = "*" in origins
        self.origins = frozenset(origins)
        self.varies_on_origin = not self.any  # each allowed origin gets its own answer

    def allow_origin(self, origin):
        """The ``Access-Control-Allow-Origin`` value for a request from ``origin``, or None."""
        if self.any:
            return "*"  # the same answer for every origin: one cacheable answer
        return origin if origin in self.origins else None

    def headers(self, origin):
        """The CORS headers of an answer to a request from ``origin`` (empty when it may not read)."""
        allowed = self.allow_origin(origin) if origin else ("*" if self.any else None)
        if not allowed:
            return []
        return [("Access-Control-Allow-Origin", allowed), ("Access-Control-Expose-Headers", EXPOSED_HEADERS)]

    def preflight_headers(self, origin):
        allowed = self.allow_origin(origin)
        if not allowed:
            return []
        return [
            ("Access-Control-Allow-Origin", allowed),
            ("Access-Control-Allow-Methods", ALLOWED_METHODS),
            ("Access-Control-Allow-Headers", ALLOWED_HEADERS),
            ("Access-Control-Max-Age", MAX_AGE),
        ]


def is_preflight(environ):
    return environ["REQUEST_METHOD"] == "OPTIONS" and "HTTP_ORIGIN" in environ and "HTTP_ACCESS_CONTROL_REQUEST_METHOD" in environ
