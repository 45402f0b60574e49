"""The Tendances 2021 API: Flask app factory.

Modules are imported inside the factory, so that importing ``api.config`` (the server's launcher
does) loads nothing else: the metrics must not start before the server has prepared them.
"""

from flask import Flask

API_VERSION = "1.0.0"


def create_app(test_config=None):
    """Build the app from the environment's settings, overridden by ``test_config``.

    Flask routes each request to its view, reads its parameters and turns errors into problems;
    everything every request gets (request id, checks, CORS, rate limit, kept answers,
    compression, headers, logs, metrics) is the request path's (api/pipeline.py), in front of it.
    """
    from werkzeug.middleware.proxy_fix import ProxyFix

    from . import config, db, docs, logs, problems
    from .pipeline import RequestPath
    from .serialization import JSONProvider

    app = Flask(__name__, static_folder=None)  # the docs' files only (api/docs.py)
    app.url_map.merge_slashes = False  # "/v1/trends//related" is a 404 problem, not an HTML redirect
    app.config.update(settings_or_exit(config), **flask_settings())
    app.config.update(test_config or {})
    app.json = JSONProvider(app)
    logs.configure(app.config["LOG_LEVEL"])
    db.init_app(app)
    docs.init_app(app)
    for error in problems.DATABASE_ERRORS:
        app.register_error_handler(error, problems.from_database_error)

    from .account import blp as account_blp
    from .cli import cli
    from .editions import blp as editions_blp
    from .experts import blp as experts_blp
    from .exports import blp as exports_blp
    from .thesaurus import blp as linked_blp
    from .keywords import blp as keywords_blp
    from .search import semantic
    from .search.routes import blp as search_blp
    from .service import blp as service_blp
    from .service import probes
    from .trends import blp as trends_blp

    from .openapi import Api, register_components, spec_kwargs
    from .parameters import known_parameters, negotiated
    from .schemas import ApiUrl

    app.register_blueprint(cli)
    api = Api(app, spec_kwargs=spec_kwargs(app))
    register_components(api)
    api.register_field(ApiUrl, "string", "uri-reference")
    for blueprint in (
        trends_blp,
        experts_blp,
        keywords_blp,
        editions_blp,
        search_blp,
        exports_blp,
        linked_blp,
        account_blp,
        service_blp,
        probes,
    ):
        api.register_blueprint(blueprint)
    spec = api.spec.to_dict()
    app.wsgi_app = RequestPath(app, known_parameters(spec, app.url_map), negotiated(spec, app.url_map))
    if not under_flask_command():  # a server's: loaded as it starts, so that no request pays for it
        semantic.model()  # (under the flask command, when first used: a seed, `flask run`'s first search)
    if app.config["TRUSTED_PROXIES"]:  # outermost: the request path sees the real client
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["TRUSTED_PROXIES"], x_proto=1)
    return app


def under_flask_command():
    """Whether the app is made for a ``flask`` command, rather than for a server."""
    import click

    return click.get_current_context(silent=True) is not None


def settings_or_exit(config):
    """The environment's settings. Under the ``flask`` command (``make run`` migrates and seeds
    through it, as the Docker image does), an invalid one stops it with one line, as the server
    says it (api/server.py), not a traceback."""
    import click

    try:
        return config.from_env()
    except config.ConfigError as error:
        if not under_flask_command():
            raise
        raise click.ClickException(f"configuration error: {error}") from None


def flask_settings():
    """Settings of the Flask extensions: the documentation pages."""
    from .openapi import API_DESCRIPTION, SECURITY, TAGS

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
            "security": SECURITY,
        },
        "MAX_CONTENT_LENGTH": 64 * 1024,  # the API reads no bodies
    }
