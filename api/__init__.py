"""The Tendances 2021 API: Flask app factory."""
from flask import Flask
from flask_cors import CORS

from . import caching, config, db
from .openapi import API_DESCRIPTION, TAGS, Api
from .pagination import add_link_header

API_VERSION = "1.0.0"


def create_app(test_config=None):
    """Build the app from the environment's settings, overridden by ``test_config``."""
    app = Flask(__name__)
    app.config.update(config.from_env(), **openapi_settings())
    app.config.update(test_config or {})
    app.json.ensure_ascii, app.json.sort_keys, app.json.compact = False, False, True
    db.init_app(app)
    caching.init_app(app)
    app.after_request(add_link_header)
    origins = app.config["CORS_ORIGINS"]
    CORS(
        app,
        origins="*" if "*" in origins else origins,
        send_wildcard="*" in origins,  # "*" rather than the echoed origin: one cacheable answer
        methods=["GET", "HEAD", "OPTIONS"],
        expose_headers=["ETag", "Link", "X-Pagination"],
        max_age=86400,
    )
    if "*" not in origins:  # the answer depends on Origin, even for one allowed origin
        app.after_request(vary_on_origin)

    from .cli import cli
    from .editions import blp as editions_blp
    from .experts import blp as experts_blp
    from .keywords import blp as keywords_blp
    from .search import blp as search_blp
    from .service import blp as service_blp
    from .trends import blp as trends_blp

    app.register_blueprint(cli)
    api = Api(app)
    for blueprint in (trends_blp, experts_blp, keywords_blp, editions_blp, search_blp, service_blp):
        api.register_blueprint(blueprint)
    return app


def vary_on_origin(response):
    response.vary.add("Origin")
    return response


def openapi_settings():
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
    }
