"""gunicorn settings of the service, all from the environment (see api/config.py and README)."""
import sys

from api.config import ConfigError, from_env

try:
    settings = from_env()
except ConfigError as error:
    sys.exit(f"configuration error: {error}")

wsgi_app = "api:create_app()"
bind = f"{settings['HOST']}:{settings['PORT']}"
workers = settings["WEB_CONCURRENCY"]
worker_class = "gthread"
threads = settings["THREADS"]
control_socket_disable = True  # gunicorn 27's control socket is one path shared machine-wide
graceful_timeout = 30
timeout = 30
