"""gunicorn settings of the service, all from the environment (see api/config.py and README)."""

import os
import sys
import tempfile

from gunicorn import util

from api.config import ConfigError, from_env
from api.gunicorn_errors import write_problem
from api.gunicorn_worker import Loads

try:
    settings = from_env()
except ConfigError as error:
    sys.exit(f"configuration error: {error}")

wsgi_app = "api:create_app()"
bind = f"{settings['HOST']}:{settings['PORT']}"
workers = settings["WEB_CONCURRENCY"]
# gthread, with connections shared out evenly between the workers and a prompt drain on stop
# (api/gunicorn_worker.py); the master gives each worker its slot in the shared loads.
worker_class = "api.gunicorn_worker.ServiceWorker"
loads = Loads(slots=2 * workers + 2)
threads = settings["THREADS"]
control_socket_disable = True  # gunicorn 27's control socket is one path shared machine-wide
graceful_timeout = 30
timeout = 30
keepalive = 5
# Request lines up to 1 MiB reach the app, which answers an over-long URL with a 414 problem
# (MAX_URL_LENGTH) instead of gunicorn's plain-text 400.
limit_request_line = 0
# Requests gunicorn refuses itself (unreadable request line, headers over its limits) get a
# problem+json answer too, not its HTML page; workers look the function up at each refusal.
util.write_error = write_problem
accesslog = None  # the app writes one JSON line per request itself (api/logs.py)
errorlog = "-"
loglevel = settings["LOG_LEVEL"].lower()

# Metrics from every worker: each writes its samples under one directory, made fresh at start.
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="tendances-metrics-")
os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)


def on_starting(server):
    """Samples of a previous run would be counted again: remove them."""
    directory = os.environ["PROMETHEUS_MULTIPROC_DIR"]
    for name in os.listdir(directory):
        if name.endswith(".db"):
            os.remove(os.path.join(directory, name))


def pre_fork(server, worker):
    loads.assign(worker, server.WORKERS.values())


def post_worker_init(worker):
    worker.log.info("Worker ready (pid: %s)", worker.pid)


def child_exit(server, worker):
    from prometheus_client import multiprocess

    loads.release(worker)
    multiprocess.mark_process_dead(worker.pid)
