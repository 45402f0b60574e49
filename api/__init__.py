"""The Tendances 2021 API: Flask app factory."""
from flask import Flask

from . import config, db


def create_app(test_config=None):
    """Build the app from the environment's settings, overridden by ``test_config``."""
    app = Flask(__name__)
    app.config.update(config.from_env())
    app.config.update(test_config or {})
    db.init_app(app)

    from .cli import cli
    from .health import blp as health_blp

    app.register_blueprint(cli)
    app.register_blueprint(health_blp)
    return app
