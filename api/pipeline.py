"""The request path: every request passes the same steps, written once, in this order.

     1. identify   the request id (the client's ``X-Request-ID`` or a new one), the client, the clock,
                   the URLs' base (``PUBLIC_URL``: api/schemas.py)
     2. check      the URL and ``Host``: a 414 or 400 problem (api/security.py)
     3. route      the app's URL rule for the path: the label of logs and metrics, and which of the
                   steps below apply (probes and metrics are neither limited nor kept, the docs
                   are kept but not limited)
     4. CORS       a preflight, or any ``OPTIONS``, is answered here: 204 (api/cors.py); then a
                   query parameter the operation does not take: a 422 problem naming it, with
                   the closest it takes (as the OpenAPI document lists them: api/parameters.py)
     5. key        the API key the request sends, if any, where requests are limited: a 401
                   problem for one the service does not accept (spending the client address's
                   budget); a key's requests are counted (api/keys.py)
     6. validate   ``If-None-Match`` holding this URL's current ETag: 304, before the rate limit,
                   so revalidating never spends a client's budget (api/cache.py). Where the
                   operation answers in several types, ``Accept`` chooses one here, once
                   (api/parameters.py ``chosen``): the view answers in it, and the ETag and the
                   kept answer are this representation's
     7. limit      the key's rate limit, or the client address's: a 429 problem (api/ratelimit.py)
     8. answer     the answer kept for this URL at the current data version, or the view (Flask:
                   routing, parameters, queries, errors), whose 200 is kept; an export's 200
                   (a streamed blueprint's) is passed on as its chunks come, never kept
     9. compress   gzip when the client takes it (api/compression.py), chunk by chunk for a stream
    10. headers    ETag and Cache-Control, Vary (``Accept`` too where it chooses the answer's
                   type), CORS, rate limit, security, the request id
    11. record     the access log line and the metrics (api/logs.py, api/metrics.py); for a
                   stream, once the server has sent it (or given up) and closes it

Steps 2 to 8 may each give the answer; steps 9 to 11 then run all the same, so every answer,
refused, kept or built, gets the same headers, log line and metrics. Steps 5 to 8 reach the
database through its guard (api/db.py), for a key (once per ``LOOKUP_SECONDS``), the data
version (once per ``DATA_VERSION_TTL``) and in the view: a database that fails or does not
answer is a 503 problem with ``Retry-After`` for what must be built, while kept answers and
``304`` stay served at the last version read, keys as last found. The view finds the request's
key, rate-limit decision and representation in its WSGI environ (``KEY_ENVIRON``,
``RATE_ENVIRON``: ``/v1/me`` shows them; ``REPRESENTATION_ENVIRON``). The docs and their files
depend on the code alone: their ETag is the build's, with no database read.
``HEAD`` is a ``GET`` whose body is left out at the end.
"""

import contextvars
import functools
import logging
import time
from http import HTTPStatus
from urllib.parse import parse_qs

from werkzeug.exceptions import HTTPException
from werkzeug.http import parse_etags

from . import compression, cors, db, logs, metrics, schemas, security
from .cache import VERSION_KEY, DataVersion, Kept, KeptAnswers, build_id, make_etag, normalized_url
from .keys import Keys, Refused, tag, usage_store, utc_now
from .parameters import chosen, unknown_parameters
from .problems import DATABASE_ERRORS, PROBLEM_JSON, RETRY_AFTER, database_detail, log_database_error, problem_body
from .ratelimit import RateLimiter
from .threads import leave_stop_signals_to_main_thread

log = logging.getLogger("api.errors")
KEY_ENVIRON, RATE_ENVIRON, REPRESENTATION_ENVIRON = "tendances.key", "tendances.rate", "tendances.representation"
DOCS = frozenset({"api-docs", "static"})  # flask-smorest's pages and the files they load (api/docs.py)
STATUS_LINES = {}


class Exchange:
    """One request, and what the steps have learnt about it."""

    __slots__ = (
        "environ", "method", "path", "query", "started", "request_id", "client",
        "route", "endpoint", "limited", "cacheable", "docs", "streamed", "url", "etag", "key", "rate", "kept",
    )  # fmt: skip

    def __init__(self, environ):
        self.environ = environ
        self.started = time.perf_counter()
        self.method = environ["REQUEST_METHOD"]
        self.path = environ.get("PATH_INFO", "").encode("latin-1", "replace").decode(errors="replace")
        self.query = environ.get("QUERY_STRING", "")
        self.request_id = logs.request_id(environ.get("HTTP_X_REQUEST_ID"))
        self.client = environ.get("REMOTE_ADDR", "")
        self.route, self.endpoint = metrics.UNMATCHED, None
        self.limited, self.cacheable, self.docs, self.streamed = True, False, False, False
        self.url = self.etag = self.key = self.rate = None
        self.kept = False

    def elapsed(self):
        return time.perf_counter() - self.started


class Answer:
    """What a step answered: a status, headers and bytes (and the gzip bytes of a kept answer),
    or the chunks of a streamed answer (``stream``, an iterable the server closes)."""

    __slots__ = ("status", "headers", "body", "gzipped", "stream")

    def __init__(self, status, headers, body=b"", gzipped=None, stream=None):
        self.status, self.headers, self.body, self.gzipped, self.stream = status, headers, body, gzipped, stream

    def header(self, name):
        name = name.lower()
        return next((value for key, value in self.headers if key.lower() == name), None)


def problem(exchange, status, detail, headers=(), errors=None, kind=None):
    body = problem_body(status, detail, exchange.path, errors=errors, kind=kind)
    return Answer(status, [("Content-Type", PROBLEM_JSON), *headers], body)


class RequestPath:
    """The WSGI application the server runs: the steps above, around the Flask app's own."""

    def __init__(self, app, parameters=None, negotiated=None):
        config = app.config
        self.view = app.wsgi_app
        self.parameters = parameters or {}  # endpoint -> the query parameters it takes (api/parameters.py)
        self.negotiated = negotiated or {}  # endpoint -> the types Accept chooses from (Vary says so)
        self.routes = app.url_map.bind("localhost")  # no rule depends on the host
        # Blueprints whose answers are not kept (probes, metrics: they change by the second; a
        # client's own account), and those not limited (probes, metrics)
        blueprints = app.blueprints.items()
        self.uncached = frozenset(name for name, blueprint in blueprints if not getattr(blueprint, "cached", True))
        self.unlimited = frozenset(name for name, blueprint in blueprints if not getattr(blueprint, "limited", True))
        self.streams = frozenset(name for name, blueprint in blueprints if getattr(blueprint, "streamed", False))
        self.rule_for = functools.lru_cache(maxsize=4096)(self.find_rule)  # paths seen lately
        self.database = app.extensions["database"]
        self.version = DataVersion(config["DATA_VERSION_TTL"], self.database)
        self.build = build_id()
        self.kept = KeptAnswers(config["RESPONSE_CACHE_MB"] * 1024 * 1024)
        self.cors = cors.Policy(config["CORS_ORIGINS"])
        self.keys = Keys(self.database)
        self.limiter = RateLimiter(config["RATE_LIMIT"], config["RATE_LIMIT_STORAGE_URL"], config["RATE_LIMIT_STRATEGY"])
        self.usage = app.extensions["usage"] = usage_store(self.database, self.limiter.storage)  # /v1/me reads it
        self.max_url_length = config["MAX_URL_LENGTH"]
        self.gzip_min_size = config["GZIP_MIN_SIZE"]
        self.cache_control = f"public, max-age={config['CACHE_MAX_AGE']}"
        self.public_url = config["PUBLIC_URL"]

    def __call__(self, environ, start_response):
        leave_stop_signals_to_main_thread()  # the server's stop must reach its main thread (api/threads.py)
        exchange = Exchange(environ)  # 1
        request_id = logs.current_request_id.set(exchange.request_id)
        guarded = db.guarded.set(True)
        public_url = schemas.public_url.set(self.public_url)  # what every URL it writes starts with
        stream = None
        try:
            try:
                answer = self.answer(exchange)  # 2 to 8
                answer = self.finish(exchange, answer)  # 9 and 10
            except Exception:  # a fault of the service itself: a 500 problem, never a dropped connection
                log.exception("unexpected error answering %s %s", exchange.method, exchange.path)
                answer = self.finish(exchange, problem(exchange, 500, "The service failed to answer; it has been logged."))
            if answer.stream is None:
                self.record(exchange, answer.status, 0 if exchange.method == "HEAD" else len(answer.body))  # 11
            else:  # the chunks are made after this returns: in this request's context, copied
                stream = Stream(answer.stream, exchange, answer.status, self.record, contextvars.copy_context())
        finally:
            schemas.public_url.reset(public_url)
            db.guarded.reset(guarded)
            logs.current_request_id.reset(request_id)
        start_response(status_line(answer.status), answer.headers)
        if stream is not None and exchange.method == "HEAD":
            stream.close()
            return []
        return stream or ([] if exchange.method == "HEAD" else [answer.body])

    def answer(self, exchange):
        refused = security.refusal(exchange.environ, self.max_url_length)  # 2
        if refused:
            return problem(exchange, *refused)
        self.route(exchange)  # 3
        if exchange.method == "OPTIONS":  # 4
            return self.options(exchange)
        known = self.parameters.get(exchange.endpoint)
        if known is not None and exchange.query:
            errors = unknown_parameters(parse_qs(exchange.query, keep_blank_values=True), known)
            if errors:
                return problem(
                    exchange, 422, f"Unknown parameter: {', '.join(errors)}.", errors=errors, kind="unknown-parameters"
                )
        try:
            if exchange.limited:  # 5
                try:
                    exchange.key = exchange.environ[KEY_ENVIRON] = self.keys.identify(exchange.environ)
                except Refused as refused:
                    return self.refuse(exchange, refused)
                if exchange.key is not None:
                    self.usage.count(exchange.key, utc_now())
            if exchange.cacheable:  # 6
                version = self.build if exchange.docs else self.version.current()
                exchange.environ[VERSION_KEY] = version
                exchange.url = normalized_url(exchange.path, exchange.query)
                types = self.negotiated.get(exchange.endpoint)
                if types:  # the representation is part of what the ETag and the kept answer are of
                    representation = chosen(exchange.environ.get("HTTP_ACCEPT"), types)
                    exchange.environ[REPRESENTATION_ENVIRON] = representation
                    exchange.url = f"{exchange.url} {representation}"
                exchange.etag = make_etag(self.build, version, exchange.url)
                if self.not_modified(exchange, star=False):
                    return Answer(304, [])
            if exchange.limited:  # 7
                key = exchange.key
                rate = self.limiter.hit(f"key:{tag(key)}", key.limits) if key else self.limiter.hit(exchange.client)
                exchange.rate = exchange.environ[RATE_ENVIRON] = rate
                if rate is not None and not rate.allowed:
                    return problem(exchange, 429, f"More than {rate.limit} requests; slow down.")
            if not exchange.cacheable:  # 8
                return self.call_view(exchange)
            kept = self.kept.get(exchange.url)
            if kept is not None and kept.version == version:
                exchange.kept = True
                answer = Answer(kept.status, list(kept.headers), kept.body, kept.gzipped)
            else:
                answer = self.call_view(exchange)
                if answer.status == 200:
                    self.keep(exchange, version, answer)
            if answer.status == 200 and self.not_modified(exchange, star=True):
                return Answer(304, [])
            return answer
        except DATABASE_ERRORS as error:
            log_database_error(error)
            return problem(exchange, 503, database_detail(error), [("Retry-After", RETRY_AFTER)])

    def route(self, exchange):
        """The URL rule serving this path (looked up as for a GET: the API reads only)."""
        rule = self.rule_for(exchange.path)
        if rule is None:  # no rule: the app will say so (a 404)
            return
        exchange.route, exchange.endpoint = rule.rule, rule.endpoint
        blueprint = rule.endpoint.rpartition(".")[0] or rule.endpoint
        exchange.docs = blueprint in DOCS
        exchange.streamed = blueprint in self.streams
        exchange.limited = blueprint not in self.unlimited and not exchange.docs
        exchange.cacheable = exchange.method in ("GET", "HEAD") and blueprint not in self.uncached

    def find_rule(self, path):
        try:
            return self.routes.match(path, method="GET", return_rule=True)[0]
        except HTTPException:
            return None

    def refuse(self, exchange, refused):
        """A key the service does not accept: a 401 problem that says why, after spending one of
        the client address's requests (a 429 once they are spent)."""
        exchange.rate = self.limiter.hit(exchange.client)
        if exchange.rate is not None and not exchange.rate.allowed:
            return problem(exchange, 429, f"More than {exchange.rate.limit} requests; slow down.")
        return problem(exchange, 401, refused.detail, [("WWW-Authenticate", refused.challenge())])

    def options(self, exchange):
        """A CORS preflight: 204 (never limited). Any other OPTIONS: 204 with ``Allow``."""
        if cors.is_preflight(exchange.environ):
            return Answer(204, self.cors.preflight_headers(exchange.environ["HTTP_ORIGIN"]))
        if exchange.endpoint is None:
            return problem(exchange, 404, f"Nothing at {exchange.path}. The API is under /v1; see /docs.")
        allowed = self.routes.allowed_methods(exchange.path)
        return Answer(204, [("Allow", ", ".join(sorted({*allowed, "OPTIONS"})))])

    def not_modified(self, exchange, *, star):
        """Whether ``If-None-Match`` names this URL's current ETag (``*`` only when ``star``:
        it matches whatever exists, so only once the view has found it)."""
        header = exchange.environ.get("HTTP_IF_NONE_MATCH")
        if not header:
            return False
        tags = parse_etags(header)
        return tags.star_tag if star else (not tags.star_tag and tags.contains_weak(exchange.etag[3:-1]))

    def call_view(self, exchange):
        """The Flask app's answer; ``HEAD`` is asked as ``GET`` (the body is left out at the end)."""
        environ = exchange.environ
        if exchange.method == "HEAD":
            environ = {**environ, "REQUEST_METHOD": "GET"}
        started = []

        def start_response(status, headers, exc_info=None):
            started[:] = [status, headers]
            return lambda data: None

        iterable = self.view(environ, start_response)
        status = int(started[0][:3]) if started else None  # a stream may start the response lazily
        if exchange.streamed and status == 200:
            return Answer(status, [(k, v) for k, v in started[1] if k.lower() != "content-length"], stream=iterable)
        try:
            body = b"".join(iterable)
        finally:
            if hasattr(iterable, "close"):
                iterable.close()
        status, headers = int(started[0][:3]), started[1]
        return Answer(status, [(k, v) for k, v in headers if k.lower() != "content-length"], body)

    def keep(self, exchange, version, answer):
        """Keep a GET's 200 for this URL at ``version``, with its gzip bytes when worth having;
        never an answer that varies on something the key does not hold."""
        if not self.kept.max_bytes or answer.header("Vary") or answer.stream:
            return
        content_type = answer.header("Content-Type") or ""
        if compression.is_compressible(content_type, len(answer.body), self.gzip_min_size):
            answer.gzipped = compression.compress(answer.body)
        kept = Kept(version, answer.status, list(answer.headers), answer.body, answer.gzipped, exchange.url)
        self.kept.put(exchange.url, kept)

    def finish(self, exchange, answer):
        """Steps 9 and 10: the coding, then every header the answer carries."""
        headers = answer.headers
        given = {name.lower(): value for name, value in headers}
        vary = {"Accept-Encoding"} if exchange.cacheable else set()  # a 304 names what its 200 varies on
        if exchange.endpoint in self.negotiated:
            vary.add("Accept")
        if self.cors.varies_on_origin:
            vary.add("Origin")
        if answer.status == 200 and "content-encoding" not in given:  # 9
            size = self.gzip_min_size if answer.stream is not None else len(answer.body)  # a stream: as large as need be
            if compression.is_compressible(given.get("content-type", ""), size, self.gzip_min_size):
                vary.add("Accept-Encoding")
                if compression.takes_gzip(exchange.environ.get("HTTP_ACCEPT_ENCODING")):
                    if answer.stream is not None:
                        answer.stream = compression.GzipStream(answer.stream)
                    else:
                        answer.body = answer.gzipped or compression.compress(answer.body)
                    headers.append(("Content-Encoding", "gzip"))
        if answer.status not in (204, 304) and answer.stream is None:  # 10
            headers.append(("Content-Length", str(len(answer.body))))
        if exchange.etag and answer.status in (200, 304):  # the validators are this step's alone
            if "cache-control" in given or "last-modified" in given:
                headers[:] = [(k, v) for k, v in headers if k.lower() not in ("cache-control", "last-modified")]
            headers += [("ETag", exchange.etag), ("Cache-Control", self.cache_control)]
        if "vary" in given:  # the view's own, merged into one header
            vary.update(v.strip() for v in given["vary"].split(",") if v.strip())
            headers[:] = [(k, v) for k, v in headers if k.lower() != "vary"]
        if vary:
            headers.append(("Vary", ", ".join(sorted(vary))))
        if "access-control-allow-origin" not in given:  # a preflight has its own
            headers += self.cors.headers(exchange.environ.get("HTTP_ORIGIN"))
        if exchange.rate is not None:
            headers += exchange.rate.headers()
        headers += security.headers(exchange.endpoint)
        headers.append(("X-Request-ID", exchange.request_id))
        return answer

    def record(self, exchange, status, size):
        """Step 11: one access line, one count in the metrics."""
        metrics.start_sampler()
        metrics.observe(exchange.method, exchange.route, status, exchange.elapsed())
        logs.log_request(exchange, status, size)


class Stream:
    """A streamed answer as the server reads it: each chunk made in the request's context (its
    id, the database's guard, the public URL), its bytes counted; when the server closes it,
    the chunks' source is closed and the request recorded (step 11). A chunk that fails (the
    data changed, the database went away) ends the answer there: the server cuts it, so the
    client sees it incomplete, and the log says why."""

    def __init__(self, chunks, exchange, status, record, context):
        self.chunks, self.exchange, self.status, self.record, self.context = chunks, exchange, status, record, context
        self.iterator = None
        self.size = 0
        self.closed = False

    def __iter__(self):
        return self

    def __next__(self):
        try:
            if self.iterator is None:
                self.iterator = self.context.run(iter, self.chunks)
            chunk = self.context.run(next, self.iterator)
        except StopIteration:
            raise
        except Exception as error:
            self.context.run(log.warning, "stream of %s cut after %d bytes: %s", self.exchange.path, self.size, error)
            raise
        self.size += len(chunk)
        return chunk

    def close(self):
        if self.closed:
            return
        self.closed = True
        try:
            if hasattr(self.chunks, "close"):
                self.context.run(self.chunks.close)
        finally:
            self.context.run(self.record, self.exchange, self.status, self.size)

    def __del__(self):  # a caller that neither closed it nor read it through (servers close it: PEP 3333)
        self.close()


def status_line(status):
    line = STATUS_LINES.get(status)
    if line is None:
        try:
            line = f"{status} {HTTPStatus(status).phrase}"
        except ValueError:
            line = f"{status} Unknown"
        STATUS_LINES[status] = line
    return line
