"""Swagger UI and ReDoc in a real browser (Debian's Chromium, driven by Playwright): the pages
render the API, "Try it out" calls it, and nothing is loaded from another host or logs an error."""

import contextlib
import json
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

LOCAL_SCHEMES = {"data", "blob", "about"}


class Visit:
    """A browser tab on the live server that records every request and console error."""

    def __init__(self, browser, base_url):
        self.origin = urlsplit(base_url).netloc
        self.context = browser.new_context(base_url=base_url, viewport={"width": 1280, "height": 900})
        self.requests, self.errors = [], []
        self.context.on("request", lambda request: self.requests.append(request.url))
        self.page = self.context.new_page()
        self.page.on("console", self.on_console)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))

    def on_console(self, message):
        if message.type == "error":
            self.errors.append(f"{message.text} ({message.location.get('url')})")

    def foreign_requests(self):
        """Requests to any host but the server (``data:`` and ``blob:`` URLs stay in the page)."""
        return [url for url in self.requests if urlsplit(url).scheme not in LOCAL_SCHEMES and urlsplit(url).netloc != self.origin]


@pytest.fixture
def visit(browser, live_url):
    """A fresh tab; a screenshot of it is kept (and its path printed) when the test fails."""
    visit = Visit(browser, live_url)
    try:
        yield visit
    finally:
        visit.context.close()


@contextlib.contextmanager
def screenshot_on_failure(visit, path):
    try:
        yield
    except BaseException as error:
        with contextlib.suppress(Exception):
            visit.page.screenshot(path=str(path), full_page=True)
            print(f"screenshot of the failing page: {path}")
            error.add_note(f"screenshot of the failing page: {path}")
        raise


def test_swagger_ui_tries_list_trends_and_shows_the_answer(visit, tmp_path):
    page = visit.page
    with screenshot_on_failure(visit, tmp_path / "swagger-ui.png"):
        page.goto("/docs")
        operation = page.locator("#operations-trends-listTrends")
        operation.locator(".opblock-summary").click()
        operation.get_by_role("button", name="Try it out").click()
        with page.expect_response(lambda response: urlsplit(response.url).path == "/v1/trends") as answer:
            operation.get_by_role("button", name="Execute").click()
        assert answer.value.status == 200
        trends = answer.value.json()
        # absolute, under the server's PUBLIC_URL (by default http://HOST:PORT)
        assert trends and all(trend["url"].startswith(f"http://{visit.origin}/v1/trends/") for trend in trends)

        answered = operation.locator(".live-responses-table .response")
        expect(answered.locator(".response-col_status")).to_have_text("200")
        assert json.loads(answered.locator(".response-col_description .microlight").first.inner_text()) == trends
        expect(answered.locator(".response-col_description")).to_contain_text("x-pagination")
        assert not visit.foreign_requests() and not visit.errors, (visit.foreign_requests(), visit.errors)


def test_redoc_renders_the_operations_and_their_samples(visit, tmp_path, app):
    page = visit.page
    spec = app.test_client().get("/openapi.json").get_json()
    summaries = [op["summary"] for item in spec["paths"].values() for method, op in item.items() if method != "parameters"]
    with screenshot_on_failure(visit, tmp_path / "redoc.png"):
        page.goto("/redoc")
        operation = page.locator("[id='tag/trends/operation/listTrends']")
        operation.get_by_role("heading", name="List trends").wait_for()
        samples = operation.get_by_text("Response samples")
        expect(samples).to_be_visible()
        sample = operation.locator("[role=tabpanel] code").first.inner_text()
        assert '"slug"' in sample and '"expert"' in sample
        # the control-character pattern is said in words once (the API's description), not shown
        # as a regular expression beside every text parameter
        assert "u0000" not in operation.inner_text()
        page.wait_for_load_state("networkidle")
        menu = page.locator("[role=menuitem]").all_inner_texts()
        assert [summary for summary in summaries if not any(summary in item for item in menu)] == []
        assert not visit.foreign_requests() and not visit.errors, (visit.foreign_requests(), visit.errors)
