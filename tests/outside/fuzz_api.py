"""Schemathesis against the real service: the server on a seeded SQLite file, fuzzed from its own
``/openapi.json``.

    .venv/bin/python -m tests.outside.fuzz_api [extra `st run` options, e.g. --max-time 30]

Migrates and seeds a temporary database with ``flask db upgrade`` and ``flask seed``, starts
the server as `make run` does (rate limits off: one client sends thousands of requests), runs ``st run`` with the settings of schemathesis.toml, stops the server and exits
non-zero when schemathesis found a failure or the server logged an error. Schemathesis comes from
its own virtualenv (``.venv-tools``, requirements-tools.txt); ``SCHEMATHESIS=/path/to/st``
overrides it.
"""

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.servers import ROOT, Server

BIN = Path(sys.executable).parent
# What the server's log says when something went wrong: the app's JSON lines, the server's own.
ERROR_MARKS = ("Traceback", '"level": "ERROR"', '"level": "CRITICAL"', "[ERROR]", "[CRITICAL]")


def seeded_database(directory):
    """A SQLite file under ``directory``, migrated and seeded the way `make run` does it."""
    url = f"sqlite:///{directory / 'fuzz.db'}"
    env = {**os.environ, "FLASK_APP": "api", "DATABASE_URL": url}
    for command in (["db", "upgrade"], ["seed"]):
        subprocess.run([str(BIN / "flask"), *command], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    return url


def server_errors(server):
    """Lines of the server's log that report an error: schemathesis sees a 503 or a dropped
    connection, not its cause."""
    return [line for line in server.log_path.read_text().splitlines() if any(mark in line for mark in ERROR_MARKS)]


def main(arguments):
    st = os.environ.get("SCHEMATHESIS", str(ROOT / ".venv-tools" / "bin" / "st"))
    if not Path(st).exists():
        return f"{st} is missing: make fuzz-api installs it (requirements-tools.txt)"
    with tempfile.TemporaryDirectory(prefix="fuzz-api-") as directory:
        directory = Path(directory)
        server = Server(directory, seeded_database(directory), RATE_LIMIT="none").start()
        try:
            # From the repository root, st reads schemathesis.toml there.
            code = subprocess.run([st, "run", f"http://127.0.0.1:{server.port}/openapi.json", *arguments], cwd=ROOT).returncode
        finally:
            server.stop()
        errors = server_errors(server)
    if errors:
        print(f"The server logged {len(errors)} error(s):", *errors[:20], sep="\n", file=sys.stderr)
    return code or bool(errors)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
