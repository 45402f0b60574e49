"""gunicorn settings of the service, all from the environment (see api/config.py and README)."""

import os
import sys
import tempfile

from gunicorn import util
from gunicorn.workers.gthread import ThreadWorker

from api.config import ConfigError, from_env
from api.gunicorn_errors import write_problem

try:
    settings = from_env()
except ConfigError as error:
    sys.exit(f"configuration error: {error}")

wsgi_app = "api:create_app()"
bind = f"{settings['HOST']}:{settings['PORT']}"
workers = settings["WEB_CONCURRENCY"]


class DrainingThreadWorker(ThreadWorker):
    """gthread, except that a stopping worker closes its listening sockets as soon as it stops
    accepting, instead of after its last request.

    The listening socket is shared by the master and every worker. On SIGTERM the master closes
    its copy, then the workers stop accepting but used to keep theirs open while they drained:
    the kernel kept completing new connections that nobody would accept, and reset them only at
    the end of the drain (up to graceful_timeout later). Closed by every process, the socket
    refuses new connections at once, while requests already accepted finish. A worker stopped
    alone (max requests, HUP) closes only its own copy: the others keep listening.
    """

    def set_accept_enabled(self, enabled):
        super().set_accept_enabled(enabled)
        if not enabled and not self.alive:
            for listener in self.sockets:
                listener.close()


worker_class = DrainingThreadWorker
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


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
