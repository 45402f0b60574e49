"""Hostile requests against every kind of endpoint, from one table: each gets a 4xx problem,
never a 5xx, and the data is the same afterwards.

The Flask test client sends most of them. What it cannot send (raw bytes in the request line,
oversized headers, URLs the server itself must read) goes to the real server over a socket.
Text that merely looks like SQL is not an error: it is searched for like any text, and finds no
more than any other text would.
"""

import hashlib
import json
import socket
import time
from urllib.parse import urlencode

import pytest

from api.models import Edition, Expert, ExpertLink, Keyword, Metadata, Section, Trend, TrendKeyword
from tests.helpers import assert_problem
from tests.servers import Server

# Every list with the parameters it reads: text (any string) and typed (numbers, choices).
LISTS = [
    ("/v1/trends", ["q", "keyword", "exclude_keyword", "expert"], ["page", "page_size", "edition", "match", "sort"]),
    ("/v1/trends/5/related", [], ["page", "page_size", "edition"]),
    ("/v1/experts", ["q", "organization"], ["page", "page_size", "sort"]),
    ("/v1/keywords", ["q"], ["page", "page_size", "sort"]),
    ("/v1/editions", [], ["page", "page_size"]),
    ("/v1/search", ["q"], []),
    ("/v1/search?q=sobriete", [], ["page", "page_size", "edition", "type"]),
]
DETAILS = ["/v1/trends/{}", "/v1/trends/{}/related", "/v1/experts/{}", "/v1/keywords/{}", "/v1/editions/{}"]
GET_ROUTES = [
    "/",
    "/health",
    "/ready",
    "/metrics",
    "/openapi.json",
    "/docs",
    "/redoc",
    "/static/vendor/redoc/redoc.standalone.js",
    "/v1/trends",
    "/v1/trends/5",
    "/v1/trends/5/related",
    "/v1/experts",
    "/v1/experts/nicolas-celic",
    "/v1/keywords",
    "/v1/keywords/splinternet",
    "/v1/editions",
    "/v1/editions/2021",
    "/v1/search?q=sobriete",
]
TRAVERSALS = [
    "../../etc/passwd",
    "..%2f..%2fetc%2fpasswd",
    "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "%2e%2e",
    "..%5c..%5cwindows%5cwin.ini",
    "....//....//etc/passwd",
    "%252e%252e%252fetc%252fpasswd",
]
SQL = ["' OR 1=1 --", "1; DROP TABLE trend", "1' UNION SELECT slug FROM expert --", '"; DELETE FROM keyword; --']
NOT_UTF8 = ["%C3%28", "%FF", "%ED%A0%80", "%C0%AF"]  # truncated, not a start byte, a surrogate, overlong "/"
PAGING = ["page=0", "page=-1", f"page={10**30}", "page_size=0", "page_size=-20", f"page_size={10**30}"]
KB_20 = 20_000  # over every parameter's length, under MAX_URL_LENGTH
TEXT_PARAMETERS = [(url, name) for url, text, _ in LISTS for name in text]
TYPED_PARAMETERS = [(url, name) for url, _, typed in LISTS for name in typed]
SINGLE_VALUED = [(url, name) for url, text, typed in LISTS for name in text + typed if name not in ("keyword", "exclude_keyword")]


def with_query(url, query):
    return f"{url}{'&' if '?' in url else '?'}{query}"


def case(method, url, status, parameter=None, id=None, **kwargs):
    return pytest.param(method, url, kwargs, status, parameter, id=id or f"{method} {url[:60]}")


def hostile_requests():
    """(method, url, test-client arguments, status, the parameter the problem names)."""
    # Path traversal wherever a path takes a name: 404, and nothing of the file.
    for pattern in DETAILS + ["/static/{}", "/static/vendor/{}", "/{}"]:
        for path in TRAVERSALS:
            yield case("GET", pattern.format(path), 404)
    # Numbers and choices: SQL, 20 KB, NUL are not numbers nor choices (422).
    for url, name in TYPED_PARAMETERS:
        for text in SQL:
            yield case("GET", with_query(url, urlencode({name: text})), 422, name)
        yield case("GET", with_query(url, f"{name}={'1' * KB_20}"), 422, name, id=f"20 KB {name} {url}")
        yield case("GET", with_query(url, f"{name}=1%00"), 422, name)
    # Text: 20 KB is over its length, NUL a control character (422); bytes that are not UTF-8 (400).
    for url, name in TEXT_PARAMETERS:
        yield case("GET", with_query(url, f"{name}={'a' * KB_20}"), 422, name, id=f"20 KB {name} {url}")
        yield case("GET", with_query(url, f"{name}=a%00b"), 422, name)
        yield case("GET", with_query(url, f"{name}=ab%0A"), 422, name, id=f"final newline {name} {url}")
        for text in NOT_UTF8:
            yield case("GET", with_query(url, f"{name}=a{text}b"), 400)
    # A parameter that takes one value, given twice.
    for url, name in SINGLE_VALUED:
        yield case("GET", with_query(url, f"{name}=1&{name}=2"), 422, name)
    # URLs over MAX_URL_LENGTH (414); pages zero, negative, past 2**31 - 1 (422).
    for url, _, typed in LISTS:
        yield case("GET", with_query(url, "q=" + "a" * 40_000), 414, id=f"40 KB URL {url}")
        for query in PAGING if "page" in typed else []:
            yield case("GET", with_query(url, query), 422, query.split("=")[0])
    # NUL and bytes that are not UTF-8 in a path (400).
    for pattern in DETAILS:
        yield case("GET", pattern.format("a%00b"), 400)
        for text in NOT_UTF8:  # as a server gives it: the path's bytes read as latin-1
            raw = bytes.fromhex(text.replace("%", "")).decode("latin-1")
            yield case(
                "GET",
                pattern.format("x"),
                400,
                id=f"GET {pattern.format(text)}",
                environ_overrides={"PATH_INFO": pattern.format(raw)},
            )
    # Any other method on every route, a POST with a 20 KB body too: 405 (the body is never read).
    for url in GET_ROUTES:
        for method in ["POST", "PUT", "DELETE", "PATCH", "TRACE", "PROPFIND"]:
            yield case(method, url, 405, data=b"x" * KB_20 if method == "POST" else None)


def row_counts():
    return {
        model.__name__: model.select().count()
        for model in (Edition, Expert, ExpertLink, Trend, Section, Keyword, TrendKeyword, Metadata)
    }


def data_digest(client):
    """A digest of every list's every item, and of a search."""
    digest = hashlib.sha256()
    for url in ["/v1/trends", "/v1/experts", "/v1/keywords", "/v1/editions", "/v1/search?q=sobriete"]:
        page, pages = 1, 1
        while page <= pages:
            response = client.get(with_query(url, f"page_size=100&page={page}"))
            assert response.status_code == 200, response.get_data(as_text=True)
            digest.update(response.get_data())
            pages, page = json.loads(response.headers["X-Pagination"])["total_pages"], page + 1
    return digest.hexdigest()


@pytest.fixture(scope="module", autouse=True)
def data_unchanged(uncached_app):
    """Every test of the module runs between two looks at the data, which must agree."""
    client = uncached_app.test_client()
    with uncached_app.app_context():
        before = row_counts(), data_digest(client), client.get("/v1/trends").headers["ETag"]
    yield
    with uncached_app.app_context():
        after = row_counts(), data_digest(client), client.get("/v1/trends").headers["ETag"]
    assert after == before


@pytest.mark.parametrize("method, url, kwargs, status, parameter", list(hostile_requests()))
def test_hostile_request_is_a_4xx_problem(client, method, url, kwargs, status, parameter):
    response = client.open(url, method=method, **kwargs)
    body = assert_problem(response, status)
    if parameter:
        assert list(body["errors"]) == [parameter]
    if status == 405:
        assert {"GET", "HEAD", "OPTIONS"} <= set(response.headers["Allow"].split(", "))
    assert b"root:" not in response.get_data() and b"import " not in response.get_data()


@pytest.mark.parametrize("url, name", TEXT_PARAMETERS)
@pytest.mark.parametrize("text", SQL)
def test_sql_in_text_is_searched_as_text(client, url, name, text):
    response = client.get(with_query(url, urlencode({name: text})))
    if response.status_code == 404:  # keywords: none is named so
        assert name in ("keyword", "exclude_keyword") and list(assert_problem(response, 404)["errors"]) == [name]
        return
    assert response.status_code == 200
    if name != "q" or url == "/v1/keywords":  # filters: the text finds what any unknown text finds
        assert response.get_json() == client.get(with_query(url, urlencode({name: "zz-nothing-zz"}))).get_json()


@pytest.mark.parametrize("url", GET_ROUTES)
@pytest.mark.parametrize("accept", ["application/xml", "text/html;q=0.9, image/png", "nothing/at-all"])
def test_any_accept_gets_the_one_representation(client, url, accept):
    # Documented choice (the spec's description): Accept is disregarded, never a 406.
    plain, negotiated = client.get(url), client.get(url, headers={"Accept": accept})
    assert negotiated.status_code == plain.status_code == 200
    assert negotiated.mimetype == plain.mimetype


# Over a socket, to the real server: what the test client cannot express.


@pytest.fixture(scope="module")
def server(tmp_path_factory, app):
    server = Server(tmp_path_factory.mktemp("hostile"), app.config["DATABASE_URL"], RATE_LIMIT="none", WEB_CONCURRENCY=1)
    yield server.start()
    server.stop()


def send(server, request_line, headers=b""):
    """``(status, headers, body, seconds)`` of one raw request."""
    started = time.perf_counter()
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        try:
            sock.sendall(request_line + b"\r\nHost: 127.0.0.1\r\nConnection: close\r\n" + headers + b"\r\n")
        except (BrokenPipeError, ConnectionResetError):  # refused before the whole request was sent
            pass
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    seconds = time.perf_counter() - started
    head, _, body = answer.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    return int(status_line.split()[1]), dict(line.lower().split(": ", 1) for line in lines), body, seconds


# Requests the server reads and hands to the app, which refuses them as problems.
RAW_REQUESTS = [
    pytest.param(b"GET /v1/experts/%FF HTTP/1.1", b"", 400, id="encoded FF in the path"),
    pytest.param(b"GET /v1/trends/%C3%28/related HTTP/1.1", b"", 400, id="encoded truncated UTF-8 in the path"),
    pytest.param(b"GET /v1/search?q=%ED%A0%80 HTTP/1.1", b"", 400, id="encoded surrogate in the query"),
    pytest.param(b"GET /v1/trends/%00 HTTP/1.1", b"", 400, id="encoded NUL in the path"),
    pytest.param(b"GET /v1/trends?expert=%00 HTTP/1.1", b"", 422, id="encoded NUL in the query"),
    pytest.param(b"GET /static/../../../../etc/passwd HTTP/1.1", b"", 404, id="traversal"),
    pytest.param(b"GET /static/%2e%2e/%2e%2e/api/db.py HTTP/1.1", b"", 404, id="encoded traversal"),
    pytest.param(b"GET /static/vendor/VERSIONS HTTP/1.1", b"", 404, id="a static file the docs do not load"),
    pytest.param(b"GET /v1/trends?q=" + b"a" * KB_20 + b" HTTP/1.1", b"", 422, id="20 KB query"),
    pytest.param(b"GET /v1/trends?q=" + b"a" * 40_000 + b" HTTP/1.1", b"", 414, id="40 KB query"),
    pytest.param(b"GET /v1/trends HTTP/1.1", b"X-Big: " + b"a" * 20_000 + b"\r\n", 431, id="20 KB header"),
    pytest.param(b"DELETE /v1/trends/5 HTTP/1.1", b"", 405, id="DELETE"),
    pytest.param(b"XAIQZ /v1/trends HTTP/1.1", b"", 405, id="unknown method"),
]


@pytest.mark.parametrize("request_line, headers, status", RAW_REQUESTS)
def test_hostile_bytes_get_a_4xx_problem_from_the_app(server, request_line, headers, status):
    got, response_headers, body, _ = send(server, request_line, headers)
    assert got == status and response_headers["content-type"] == "application/problem+json", body[:300]
    problem = json.loads(body)
    assert problem["status"] == status and problem["title"] and problem["detail"] and problem["instance"]
    assert b"root:" not in body and "Traceback" not in server.log_path.read_text()


# Requests that are not HTTP the server can read: its parser refuses them before any thread of
# the app is involved, in a fraction of a millisecond, with a bare status (README, "Operating it").
REFUSED_BY_THE_SERVER = [
    pytest.param(b"GET /v1/experts/\xff HTTP/1.1", b"", 400, id="raw byte FF in the path"),
    pytest.param(b"GET /v1/keywords/\xc3\x28 HTTP/1.1", b"", 400, id="raw truncated UTF-8 in the path"),
    pytest.param(b"GET /v1/experts/a\x00b HTTP/1.1", b"", 400, id="raw NUL in the path"),
    pytest.param(b"G\xffT /v1/trends HTTP/1.1", b"", 400, id="garbage method"),
    pytest.param(b"GET /v1/trends HTTP/9.9", b"", 400, id="unknown HTTP version"),
    pytest.param(b"GET /v1/trends HTTP/1.1", b"".join(b"X-H%d: 1\r\n" % i for i in range(200)), 431, id="200 headers"),
    pytest.param(b"GET /v1/trends?q=" + b"a" * 140_000 + b" HTTP/1.1", b"", 431, id="140 KB request line"),
    pytest.param(b"GET /" + b"a" * 8_000_000 + b" HTTP/1.1", b"", 431, id="8 MB request line"),
]


@pytest.mark.parametrize("request_line, headers, status", REFUSED_BY_THE_SERVER)
def test_unreadable_requests_are_refused_at_once_by_the_server(server, request_line, headers, status):
    answers = [send(server, request_line, headers) for _ in range(3)]  # the best of three: CI machines are busy
    assert all(got == status and body == b"" for got, _, body, _ in answers)
    fastest = min(seconds for *_, seconds in answers)
    assert fastest < 0.1, f"refused in {fastest * 1000:.0f} ms"
    assert server.get("/health")[0] == 200
