"""Bulk exports (api/exports.py): each read back and compared with the JSON API, their filters,
CSV per RFC 4180, ETags, gzip made as the chunks come, a stream cut by a seed, and a real
server streaming them."""

import csv
import gzip
import io
import json

import pytest

from api import exports
from api.models import Metadata
from tests.servers import Server

LISTS = {"trends": "/v1/trends", "experts": "/v1/experts", "keywords": "/v1/keywords"}


def every_item(get_json, url):
    """Every item of a JSON list, page after page."""
    items, page = [], 1
    while True:
        separator = "&" if "?" in url else "?"
        found = get_json(f"{url}{separator}page={page}&page_size=100")
        items += found
        if len(found) < 100:
            return items
        page += 1


def flattened(item, prefix=""):
    """A JSON list's item as the README says its CSV row is: a nested object's members as
    columns of their own, a list in one column (objects by slug, or URL), null empty."""
    row = {}
    for key, value in item.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            row.update(flattened(value, f"{name}."))
        elif isinstance(value, list):
            row[name] = " | ".join(v.get("slug", v.get("url")) if isinstance(v, dict) else str(v) for v in value)
        elif value is None:
            row[name] = ""
        elif isinstance(value, bool):
            row[name] = str(value).lower()
        else:
            row[name] = str(value)
    return row


def without_urls(row):
    return {column: value for column, value in row.items() if not column.endswith("url")}


def csv_rows(body):
    return list(csv.DictReader(io.StringIO(body.decode("utf-8"), newline="")))


@pytest.mark.parametrize(
    "resource, query",
    [
        ("trends", ""),
        ("trends", "keyword=chine&keyword=sante&match=any&exclude_keyword=agriculture"),
        ("trends", "q=privacy"),
        ("trends", "expert=nicolas-celic"),
        ("experts", ""),
        ("experts", "q=digimind"),
        ("keywords", ""),
        ("keywords", "kind=topic&sort=-trend_count"),
    ],
)
def test_an_export_holds_what_the_list_holds(client, get_json, resource, query):
    url = f"{LISTS[resource]}?{query}" if query else LISTS[resource]
    expected = every_item(get_json, url)
    assert expected or query  # the unfiltered lists are not empty
    ndjson = client.get(f"/v1/exports/{resource}.ndjson?{query}")
    assert ndjson.status_code == 200 and ndjson.content_type == "application/x-ndjson"
    assert [json.loads(line) for line in ndjson.get_data(as_text=True).splitlines()] == expected
    answer = client.get(f"/v1/exports/{resource}.csv?{query}")
    assert answer.status_code == 200 and answer.content_type == "text/csv; charset=utf-8; header=present"
    assert csv_rows(answer.get_data()) == [flattened(item) for item in expected]
    assert answer.headers["Content-Disposition"].startswith('attachment; filename="tendances-')


def test_csv_is_rfc_4180(client):
    body = client.get("/v1/exports/trends.csv").get_data()
    lines = body.split(b"\r\n")
    assert lines[0] == (
        b"id,number,slug,title,subtitle,excerpt,word_count,reading_time_minutes,edition.year,edition.title,"
        b"edition.url,expert.slug,expert.name,expert.url,keywords,url"
    )
    assert lines[-1] == b"" and b"\n" not in body.replace(b"\r\n", b"")  # CRLF ends every record
    first = next(csv.reader(io.StringIO(lines[1].decode())))
    assert first[1] == "1" and first[3].startswith("Éduquer, nourrir, soigner") and lines[1].count(b'"') >= 2  # quoted
    body.decode("utf-8")  # UTF-8, no byte-order mark
    assert not body.startswith(b"\xef\xbb\xbf")


def test_an_export_has_an_etag_per_data_version_and_is_never_kept(app, client):
    first = client.get("/v1/exports/keywords.csv")
    assert first.get_data()  # read through: the stream ends, its contexts with it
    again = client.get("/v1/exports/keywords.csv", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.get_data() == b""
    other = client.get("/v1/exports/keywords.ndjson")
    assert other.get_data() and other.headers["ETag"] != first.headers["ETag"]
    path = app.wsgi_app
    assert not any("/v1/exports/" in url for url in path.kept.entries), "an export's bytes are never kept"
    assert "Content-Length" not in first.headers and first.headers["Cache-Control"].startswith("public")


def test_gzip_is_made_as_the_chunks_come(client):
    plain = client.get("/v1/exports/trends.ndjson").get_data()
    zipped = client.get("/v1/exports/trends.ndjson", headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in zipped.headers["Vary"]
    assert gzip.decompress(zipped.get_data()) == plain and len(zipped.get_data()) < len(plain) / 2


@pytest.mark.parametrize(
    "url, status",
    [
        ("/v1/exports/trends.csv?keyword=nowhere", 404),
        ("/v1/exports/trends.csv?edition=1999", 404),
        ("/v1/exports/trends.csv?page=2", 422),  # an export takes no paging
        ("/v1/exports/trends.ndjson?match=some", 422),
        ("/v1/exports/keywords.csv?kind=planet", 422),
        ("/v1/exports/trends.json", 404),
        ("/v1/exports/trends", 404),
    ],
)
def test_bad_export_requests_are_problems(client, url, status):
    answer = client.get(url)
    assert answer.status_code == status and answer.content_type == "application/problem+json"


def test_head_sends_the_headers_alone(client):
    answer = client.head("/v1/exports/experts.csv")
    assert answer.status_code == 200 and answer.get_data() == b"" and answer.headers["Content-Type"].startswith("text/csv")


def test_a_seed_during_an_export_cuts_it(monkeypatch, seeded_database_url):
    from tests.conftest import build_app

    monkeypatch.setattr(exports, "BATCH", 10)
    app = build_app(seeded_database_url)
    started = []
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/v1/exports/trends.ndjson", "SERVER_NAME": "localhost",
               "SERVER_PORT": "80", "wsgi.url_scheme": "http", "REMOTE_ADDR": "127.0.0.1", "HTTP_HOST": "localhost",
               "wsgi.input": io.BytesIO(), "wsgi.errors": io.StringIO()}  # fmt: skip
    stream = app.wsgi_app(environ, lambda status, headers, exc_info=None: started.append(status))
    chunks = iter(stream)
    assert started == ["200 OK"] and len(next(chunks).splitlines()) == 10
    with app.app_context():
        Metadata.update(value="a-seed-came").where(Metadata.key == "data_version").execute()
    with pytest.raises(exports.Interrupted, match="the data changed"):
        next(chunks)
    stream.close()


def test_exports_from_a_real_server(tmp_path, seeded_database_url, client):
    server = Server(tmp_path, seeded_database_url, WEB_CONCURRENCY=1).start()
    try:
        status, headers, body = server.get("/v1/exports/trends.csv")
        assert status == 200 and "content-length" not in headers and headers.get("transfer-encoding") == "chunked"
        here = csv_rows(client.get("/v1/exports/trends.csv").get_data())  # URLs aside: each its PUBLIC_URL
        assert [without_urls(row) for row in csv_rows(body)] == [without_urls(row) for row in here]
        status, headers, zipped = server.get("/v1/exports/keywords.ndjson", {"Accept-Encoding": "gzip"})
        assert status == 200 and len(gzip.decompress(zipped).splitlines()) == 315
        assert server.get("/v1/exports/trends.csv", {"If-None-Match": headers["etag"]})[0] == 200  # another URL's
    finally:
        server.stop()
    lines = [line for line in server.log_lines() if line.get("route") == "/v1/exports/trends.csv"]
    assert [(line["status"], line["bytes"]) for line in lines] == [(200, len(body))] * 2  # recorded once sent
