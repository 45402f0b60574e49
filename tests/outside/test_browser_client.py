"""A frontend on another origin, in a real browser (Debian's Chromium, driven by Playwright): a
page served from its own server calls the API with ``fetch``, as partners' pages do. It pages by
``Link`` (absolute URLs, followed as they are), reads ``X-Pagination`` and the rate-limit headers
through CORS, and revalidates with ``If-None-Match``."""

import functools
import http.server
import threading

import pytest

# The partner's page: its script is the journey, run by the test with page.evaluate().
PAGE = b"<!doctype html><meta charset=utf-8><title>A partner's page</title><p>Trends, from the API.</p>"

JOURNEY = """async (api) => {
  const links = (header) => Object.fromEntries(
    [...(header ?? "").matchAll(/<([^>]+)>;\\s*rel="([a-z]+)"/g)].map((found) => [found[2], found[1]]));
  const first = await fetch(`${api}/v1/trends?page_size=7`);
  const paging = JSON.parse(first.headers.get("X-Pagination"));
  const numbers = (await first.json()).map((trend) => trend.number);
  const followed = [];
  let next = links(first.headers.get("Link")).next;
  while (next) {  // the URL as the API wrote it: no base to resolve it against
    followed.push(next);
    const page = await fetch(next);
    numbers.push(...(await page.json()).map((trend) => trend.number));
    next = links(page.headers.get("Link")).next;
  }
  const trend = await fetch(`${api}/v1/trends/13`);
  const body = await trend.json();
  const etag = trend.headers.get("ETag");
  // the same URL again, past the browser's own cache, so the API itself answers the 304
  const again = await fetch(`${api}/v1/trends/13`, {headers: {"If-None-Match": etag}, cache: "no-store"});
  const expert = await (await fetch(body.expert.url)).json();
  return {
    origin: location.origin, paging, numbers, followed, etag, url: body.url,
    limit: first.headers.get("X-RateLimit-Limit"), remaining: first.headers.get("X-RateLimit-Remaining"),
    reset: first.headers.get("X-RateLimit-Reset"),
    revalidated: again.status, revalidatedEtag: again.headers.get("ETag"), expert: expert.name,
  };
}"""


class PartnerPage(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(PAGE)))
        self.end_headers()
        self.wfile.write(PAGE)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def partner_origin():
    """Another origin: a server of its own on localhost (the API is at 127.0.0.1)."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), PartnerPage)
    threading.Thread(target=functools.partial(server.serve_forever, poll_interval=0.1), daemon=True).start()
    yield f"http://localhost:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_page_on_another_origin_pages_revalidates_and_reads_the_limits(browser, partner_origin, live_url):
    context = browser.new_context()
    try:
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("console", lambda message: message.type == "error" and errors.append(message.text))
        page.goto(partner_origin)
        seen = page.evaluate(JOURNEY, live_url)
    finally:
        context.close()
    assert seen["origin"] == partner_origin != live_url and not errors, errors
    assert seen["paging"]["total"] == 38 and seen["paging"]["last"] == 6
    assert sorted(seen["numbers"]) == list(range(1, 39))  # every trend once, through Link
    assert seen["followed"][0] == f"{live_url}/v1/trends?page_size=7&page=2"
    assert int(seen["limit"]) == 600 and 0 < int(seen["remaining"]) < 600 and int(seen["reset"]) > 0
    assert seen["revalidated"] == 304 and seen["revalidatedEtag"] == seen["etag"]
    assert seen["url"].startswith(f"{live_url}/v1/trends/") and seen["expert"]  # absolute, followed as is
