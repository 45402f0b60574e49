"""The Tendances 2021 API: Flask app factory.

Modules are imported inside the factory, so that importing ``api.config`` (gunicorn.conf.py
does) loads nothing else: the metrics must not start before gunicorn has prepared them.
"""

from flask import Flask

API_VERSION = "1.0.0"


def create_app(test_config=None):
    """Build the app from the environment's settings, overridden by ``test_config``.

    Hooks run in the order registered before the view (request id, URL limits, 304, rate
    limit) and in reverse order after it, so the access log and metrics see the final answer.
    """
    from flask_compress import Compress
    from werkzeug.middleware.proxy_fix import ProxyFix

    from . import caching, config, db, logs, metrics, problems, ratelimit, security
    from .edge import Edge
    from .pagination import add_link_header

    app = Flask(__name__)
    app.url_map.merge_slashes = False  # "/v1/trends//related" is a 404 problem, not an HTML redirect
    app.config.update(config.from_env(), **flask_settings())
    app.config.update(test_config or {})
    app.json.ensure_ascii, app.json.sort_keys, app.json.compact = False, False, True
    db.init_app(app)
    metrics.init_app(app)
    logs.init_app(app)
    security.init_app(app)
    caching.init_app(app)
    ratelimit.init_app(app)
    app.config["COMPRESS_MIN_SIZE"] = app.config["GZIP_MIN_SIZE"]
    Compress(app)
    init_cors(app)
    app.after_request(add_link_header)
    for error in problems.DATABASE_ERRORS:
        app.register_error_handler(error, problems.from_database_error)

    from .cli import cli
    from .editions import blp as editions_blp
    from .experts import blp as experts_blp
    from .keywords import blp as keywords_blp
    from .search import blp as search_blp
    from .service import blp as service_blp
    from .service import probes
    from .trends import blp as trends_blp

    from .openapi import Api
    from .schemas import ApiUrl

    app.register_blueprint(cli)
    api = Api(app)
    api.register_field(ApiUrl, "string", "uri-reference")
    for blueprint in (trends_blp, experts_blp, keywords_blp, editions_blp, search_blp, service_blp, probes):
        api.register_blueprint(blueprint)
    app.wsgi_app = Edge(app)
    if app.config["TRUSTED_PROXIES"]:  # outermost: the edge and the app see the real client
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["TRUSTED_PROXIES"], x_proto=1)
    return app


def init_cors(app):
    from flask_cors import CORS

    origins = app.config["CORS_ORIGINS"]
    CORS(
        app,
        origins="*" if "*" in origins else origins,
        send_wildcard="*" in origins,  # "*" rather than the echoed origin: one cacheable answer
        methods=["GET", "HEAD", "OPTIONS"],
        expose_headers=["ETag", "Link", "X-Pagination", "X-Request-ID"],
        max_age=86400,
    )
    if "*" not in origins:  # the answer depends on Origin, even for one allowed origin
        app.after_request(vary_on_origin)


def vary_on_origin(response):
    response.vary.add("Origin")
    return response


def flask_settings():
    """Settings of the Flask extensions: documentation pages, compression, static files."""
    from .openapi import API_DESCRIPTION, TAGS

    return {
        "API_TITLE": "Tendances 2021 API",
        "API_VERSION": API_VERSION,
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/",
        "OPENAPI_JSON_PATH": "openapi.json",
        "OPENAPI_SWAGGER_UI_PATH": "/docs",
        "OPENAPI_SWAGGER_UI_URL": "/static/vendor/swagger-ui/",
        "OPENAPI_REDOC_PATH": "/redoc",
        "OPENAPI_REDOC_URL": "/static/vendor/redoc/redoc.standalone.js",
        "API_SPEC_OPTIONS": {
            "info": {
                "description": API_DESCRIPTION,
                "license": {"name": "MIT (code); report text © Digimind", "url": "https://opensource.org/licenses/MIT"},
            },
            "servers": [{"url": "/", "description": "This server"}],
            "tags": TAGS,
            "security": [],
        },
        "COMPRESS_ALGORITHM": ["gzip"],
        "COMPRESS_LEVEL": 6,
        "COMPRESS_MIMETYPES": [
            "application/json",
            "application/problem+json",
            "text/html",
            "text/css",
            "text/javascript",
            "application/javascript",
            "text/plain",
        ],
        "SEND_FILE_MAX_AGE_DEFAULT": 86400,
    }
