"""The server: granian runs the app's workers and reads every request off their threads.

``python -m api.server`` (what ``make run`` and the Docker image run); ``python -m api.server
module:app`` serves another WSGI app with the same settings (the benchmark's floor does). Its HTTP/1.1 parser
(hyper, in Rust) reads each request line and headers on its own event loop, under a deadline
and a size bound, and hands the app only complete requests: a client that trickles its headers
holds a few kilobytes of memory, never a thread. bench/RESULTS.md compares it with gunicorn and
waitress.

Settings come from the environment (api/config.py); a bad one stops the start with one line.
"""

import logging
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from .config import ConfigError, from_env
from .security import MAX_HEADER_BYTES

STOP_TIMEOUT = 30  # seconds a stopping worker has to finish the requests it holds


def metrics_directory():
    """The folder every worker writes its metric samples to, and whether to remove it at exit.

    ``PROMETHEUS_MULTIPROC_DIR`` when set (the Docker image sets one), emptied of a previous
    run's samples; else a new temporary folder, removed when the server stops.
    """
    given = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if given:
        Path(given).mkdir(parents=True, exist_ok=True)
        for sample in Path(given).glob("*.db"):
            sample.unlink()
        return Path(given), False
    return Path(tempfile.mkdtemp(prefix="tendances-metrics-")), True


APP_FACTORY = "api.server:worker_app"
log = logging.getLogger("api.server")


def worker_app():
    """The app a worker serves (:func:`api.create_app`), with a thread of its own that reads what
    searches and keyword lookups keep per data version (:func:`watch_data`): as the worker starts,
    then after each seed, so that no search pays for reading them, not even the first."""
    import threading

    from . import create_app

    app = create_app()
    threading.Thread(target=watch_data, args=(app,), name="data-watch", daemon=True).start()
    return app


def watch_data(app):
    """Read what every :class:`api.cache.PerVersion` keeps, at the data version the database
    holds, as the worker starts; then look at the version every ``DATA_VERSION_TTL`` seconds (one
    at least) and read them again when a seed has changed it. A database that is away or not
    migrated yet delays nothing: it is logged once, and tried again at the next look (a request
    that needs the data meanwhile reads it itself, as it would). It runs as long as the worker."""
    from .cache import request_version, warm
    from .problems import DATABASE_ERRORS

    interval = max(app.config["DATA_VERSION_TTL"], 1)
    read, failing, round_number = None, False, 0
    with app.app_context():
        database = app.extensions["database"]
        while True:
            round_number += 1
            started = time.perf_counter()
            try:
                if request_version({}, database) != read:
                    how = "after a seed" if read is not None else "as the worker started" if round_number == 1 else "late"
                    read = warm(database)
                    log.info("search data read %s: data version %s, %.0f ms", how, read, (time.perf_counter() - started) * 1e3)
                failing = False
            except DATABASE_ERRORS as error:
                if not failing:
                    when = "as the worker started" if round_number == 1 else "at a look at the data version"
                    log.warning("search data not read %s: %s", when, error)
                failing = True
            finally:  # as a request gives it back: SQLite's closed (a file held open would keep others' locks out)
                database.release()
            time.sleep(interval)


def server(settings, target=APP_FACTORY):
    """A granian server for the app (or the WSGI app ``target``), as the settings say."""
    from granian import Granian
    from granian.constants import HTTPModes, Interfaces
    from granian.http import HTTP1Settings
    from granian.log import LogLevels

    from .logs import granian_logging

    return Granian(
        target,
        factory=target == APP_FACTORY,
        interface=Interfaces.WSGI,
        address=settings["HOST"],
        port=settings["PORT"],
        workers=settings["WEB_CONCURRENCY"],
        blocking_threads=settings["THREADS"],
        backpressure=settings["MAX_CONNECTIONS"],
        http=HTTPModes.http1,
        websockets=False,
        http1_settings=HTTP1Settings(
            header_read_timeout=settings["HEADER_TIMEOUT"] * 1000,
            keep_alive=True,
            max_buffer_size=settings["MAX_URL_LENGTH"] + MAX_HEADER_BYTES + 1024,  # + the request line's rest
        ),
        log_level=LogLevels(settings["LOG_LEVEL"].lower()),
        log_dictconfig=granian_logging(),
        log_access=False,  # the app writes one JSON line per request (api/logs.py)
        respawn_failed_workers=True,
        workers_kill_timeout=STOP_TIMEOUT,
    )


def main(argv=None):
    try:
        settings = from_env()
    except ConfigError as error:
        sys.exit(f"configuration error: {error}")
    directory, remove = metrics_directory()
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(directory)
    try:
        server(settings, *(sys.argv[1:] if argv is None else argv)[:1]).serve()
    finally:
        if remove:
            shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()
