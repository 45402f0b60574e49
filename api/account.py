"""``/v1/me``: what the request's API key may do and has done, or, without a key, what the
client address may do. Built for each request, never kept (api/pipeline.py reads the key and
the rate-limit decision; the view finds them in its environ)."""

import math

import marshmallow as ma
from flask import current_app, request
from flask.views import MethodView
from redis.exceptions import RedisError

from .keys import USAGE_DAYS, utc_now
from .openapi import Blueprint
from .pipeline import KEY_ENVIRON, RATE_ENVIRON
from .problems import RETRY_AFTER, problem
from .schemas import described
from .serialization import Schema

blp = Blueprint(
    "account",
    __name__,
    url_prefix="/v1/me",
    description="What this client's API key, or its address, may do.",
    cached=False,
)
PRIVATE = {"Cache-Control": "private, no-store"}  # one client's own: no cache may keep or share it


def timestamp(field, kind, description, example):
    """A UTC time or day as ISO 8601 text; ``kind``: the OpenAPI ``format``, ``date-time`` or ``date``."""
    field.metadata["format"] = kind
    return described(field, description, example)


class KeySchema(Schema):
    name = described(ma.fields.String(), "The key's name, as `flask keys create` was given it.", "acme-news")
    prefix = described(ma.fields.String(), "The key's first characters: enough to tell keys apart.", "tdk_x7Rq2Lmc")
    rate_limit = described(ma.fields.String(), "The key's limit, in the limits library's syntax.", "10000/hour")
    created = timestamp(ma.fields.String(), "date-time", "When the key was made (UTC).", "2026-12-01T09:30:00Z")
    expires = timestamp(
        ma.fields.String(allow_none=True), "date", "The last day (UTC) the key works; null: it does not expire.", "2027-12-31"
    )


class RateSchema(Schema):
    limit = described(ma.fields.Integer(), "Requests allowed in the current window (`X-RateLimit-Limit`).", 10000)
    remaining = described(ma.fields.Integer(), "Requests left in it, this one counted (`X-RateLimit-Remaining`).", 9876)
    reset = described(
        ma.fields.Integer(), "When the window ends, in seconds since the Unix epoch (`X-RateLimit-Reset`).", 1796378400
    )


class DaySchema(Schema):
    day = timestamp(ma.fields.String(), "date", "A day (UTC).", "2026-12-03")
    requests = described(ma.fields.Integer(), "Requests the key made that day.", 124)


class MeSchema(Schema):
    authenticated = described(ma.fields.Boolean(), "Whether the request sent an API key (a valid one: else 401).", True)
    key = described(ma.fields.Nested(KeySchema, allow_none=True), "The key sent; null without one.", None)
    rate_limit = described(
        ma.fields.Nested(RateSchema, allow_none=True),
        "Where this client stands in its rate limit (the key's, or without one the address's); null when the "
        "service limits no one (`RATE_LIMIT` is none and there is no key).",
        None,
    )
    usage = described(
        ma.fields.List(ma.fields.Nested(DaySchema), allow_none=True),
        f"The key's requests per day, the last {USAGE_DAYS} days, oldest first, today's so far included; null "
        "without a key. Every request the key was accepted for counts, `304` and `429` too; other workers' last "
        "seconds may show a few seconds later.",
        None,
    )


EXAMPLE = {
    "authenticated": True,
    "key": {
        "name": "acme-news",
        "prefix": "tdk_x7Rq2Lmc",
        "rate_limit": "10000/hour",
        "created": "2026-12-01T09:30:00Z",
        "expires": "2027-12-31",
    },
    "rate_limit": {"limit": 10000, "remaining": 9876, "reset": 1796378400},
    "usage": [
        {"day": "2026-12-01", "requests": 0},
        {"day": "2026-12-02", "requests": 312},
        {"day": "2026-12-03", "requests": 124},
    ],
}


@blp.route("")
class Me(MethodView):
    @blp.doc(operationId="getMe")
    @blp.response(200, MeSchema, example=EXAMPLE)
    def get(self):
        """This client's key and limit

        With an API key (`Authorization: Bearer <key>` or `X-API-Key: <key>`): the key's name,
        limit and expiry, where it stands in its window, and its requests per day for the last 30
        days. Without one: where the client address stands in the anonymous limit. Never cached.
        """
        key, rate = request.environ.get(KEY_ENVIRON), request.environ.get(RATE_ENVIRON)
        if rate is not None:
            rate = {"limit": rate.limit, "remaining": rate.remaining, "reset": math.ceil(rate.reset)}
        answer = {"authenticated": key is not None, "key": None, "rate_limit": rate, "usage": None}
        if key is not None:
            answer["key"] = {
                "name": key.name,
                "prefix": key.prefix,
                "rate_limit": key.rate_limit,
                "created": f"{key.created.isoformat()}Z",
                "expires": None if key.expires is None else key.expires.isoformat(),
            }
            try:
                days = current_app.extensions["usage"].days(key, utc_now().date())
            except RedisError as error:
                detail = f"The usage store (Redis) does not answer ({error.__class__.__name__}); retry in a few seconds."
                return problem(503, detail, headers={"Retry-After": RETRY_AFTER}, kind="unavailable")
            answer["usage"] = [{"day": day.isoformat(), "requests": requests} for day, requests in days]
        return answer, PRIVATE
