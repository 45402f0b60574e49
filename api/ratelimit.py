"""Rate limits per client (flask-limiter): counters in memory, or in Redis when several
workers or instances must share them. Probes, metrics and the documentation are not limited,
and a 304 never reaches the limiter (api/caching.py answers it first)."""

import logging

from flask import g, request
from flask_limiter import Limit, Limiter
from flask_limiter.util import get_remote_address

EXEMPT_BLUEPRINTS = {"probes", "api-docs"}
KEY_PREFIX = "tendances"
SCOPE = "api"  # one budget per client for every route (a shared limit)
EXEMPT = "tendances.exempt"  # environ: this answer is not rate limited (api/edge.py replays it so)
log = logging.getLogger("api.ratelimit")


def is_exempt():
    exempt = request.endpoint == "static" or request.blueprint in EXEMPT_BLUEPRINTS
    request.environ[EXEMPT] = exempt
    return exempt


def retry_after_only_when_refused(response):
    """flask-limiter sends its Retry-After on every answer: keep it on a 429 only; a problem
    that set its own (a 503) keeps that one."""
    if "retry_after" in g:
        response.headers["Retry-After"] = g.retry_after
    elif response.status_code != 429:
        response.headers.pop("Retry-After", None)
    return response


def init_app(app):
    app.after_request(retry_after_only_when_refused)  # registered first: runs after the limiter's
    limit = app.config["RATE_LIMIT"]
    limiter = Limiter(
        get_remote_address,
        # A limit object ignores default_limits_exempt_when: it carries its own.
        default_limits=[Limit(limit, scope=SCOPE, shared=True, exempt_when=is_exempt)] if limit else [],
        storage_uri=app.config["RATE_LIMIT_STORAGE_URL"],
        strategy=app.config["RATE_LIMIT_STRATEGY"],
        headers_enabled=True,
        # If Redis is down, answer anyway (and say so in the log) rather than fail every request.
        swallow_errors=True,
        in_memory_fallback_enabled=app.config["RATE_LIMIT_STORAGE_URL"] != "memory://",
        key_prefix=KEY_PREFIX,
        enabled=limit is not None,
    )
    limiter.init_app(app)
    app.extensions["rate_limiter"] = limiter
    return limiter
