"""The service as its users meet it: the server, started as `make run` starts it, serving the real
corpus, spoken to over HTTP only (a generated client, a real browser)."""

import os
import shutil
import subprocess

import pytest

from tests.servers import ROOT, Server


@pytest.fixture(scope="session")
def live_server(app, tmp_path_factory):
    """The server (two workers, production settings) on the session's seeded database, which the
    tests only read."""
    server = Server(tmp_path_factory.mktemp("live"), app.config["DATABASE_URL"]).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def live_url(live_server):
    return f"http://127.0.0.1:{live_server.port}"


# Playwright's own browser download (`playwright install`) needs hosts this machine cannot reach.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]


def find_chromium():
    """Debian's Chromium, installed by .ci/chromium when it is missing (CI installs it first)."""
    path = shutil.which("chromium")
    if path:
        return path
    result = subprocess.run([str(ROOT / ".ci" / "chromium")], capture_output=True, text=True)
    if result.returncode == 0:
        return result.stdout.strip()
    reason = f"Chromium is not installed and .ci/chromium could not install it: {result.stderr.strip()[-500:]}"
    if os.environ.get("CI"):
        pytest.fail(reason)  # CI installs it: a browser test that cannot run there is a failure
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium, driven by Playwright."""
    from playwright.sync_api import sync_playwright

    executable = find_chromium()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
