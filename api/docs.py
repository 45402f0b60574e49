"""The files the documentation pages load (Swagger UI, ReDoc), and no others.

They live under ``api/static/`` with their licences and version notes, which are not served;
``make vendor`` (scripts/fetch-vendor.sh) fetches them again from the npm registry.
"""

from flask import abort, send_from_directory

from .config import ROOT

STATIC = ROOT / "api" / "static"
FILES = frozenset(
    {
        "docs/redoc.css",
        "docs/swagger-init.js",
        "vendor/redoc/redoc.standalone.js",
        "vendor/swagger-ui/favicon-32x32.png",
        "vendor/swagger-ui/swagger-ui-bundle.js",
        "vendor/swagger-ui/swagger-ui-standalone-preset.js",
        "vendor/swagger-ui/swagger-ui.css",
    }
)


def docs_file(filename):
    """One of the documentation pages' files; a 404 problem for anything else."""
    if filename not in FILES:
        abort(404, f"No file {filename} here: only the documentation pages' own are served.")
    return send_from_directory(STATIC, filename, conditional=False, etag=False, max_age=None)


def init_app(app):
    # Named "static", as Flask's own would be: templates ask url_for("static", filename=...).
    app.add_url_rule("/static/<path:filename>", "static", docs_file)
