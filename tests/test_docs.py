"""Swagger UI and ReDoc, served with every asset from the app itself (they work offline)."""

import re

import pytest
from tests.helpers import api_url


def assets(html):
    return re.findall(r'(?:src|href)="([^"]+)"', html)


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_doc_pages_load_only_local_assets(client, page):
    response = client.get(page)
    assert response.status_code == 200 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    urls = assets(html)
    assert urls and all(url.startswith("/") for url in urls), urls
    assert "http://" not in html and "https://" not in html
    for url in urls:
        asset = client.get(url)
        assert asset.status_code == 200, url
        assert len(asset.get_data()) > 0
        asset.close()


def test_swagger_ui_page_points_at_the_served_spec(client):
    html = client.get("/docs").get_data(as_text=True)
    assert 'data-spec-url="/openapi.json"' in html
    assert "<script>" not in html  # no inline script: a strict Content-Security-Policy can apply
    init = client.get("/static/docs/swagger-init.js").get_data(as_text=True)
    assert "validatorUrl: null" in init  # Swagger UI would otherwise call an online validator


def test_redoc_page_points_at_the_served_spec(client):
    html = client.get("/redoc").get_data(as_text=True)
    assert '<redoc spec-url="/openapi.json"' in html


def test_index_links_to_the_docs(get_json):
    index = get_json("/")
    assert index["documentation"] == {
        "swagger_ui": api_url("/docs"),
        "redoc": api_url("/redoc"),
        "openapi": api_url("/openapi.json"),
        "problem_types": api_url("/problems"),
    }
    assert index["resources"]["trends"] == api_url("/v1/trends")
