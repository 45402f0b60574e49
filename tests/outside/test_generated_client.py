"""A client generated from the committed openapi.yaml (openapi-python-client) drives the running
service through its main journeys, with the generated models' typed fields: the spec is enough
to write a client that works."""

import html
import importlib
import json
import os
import re
import subprocess
from pathlib import Path
import sys
from collections import Counter

import pytest
import yaml

from tests.servers import ROOT

BIN = os.path.dirname(sys.executable)
PACKAGE = "tendances_client"


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """The generated package, imported; generating it must raise no error and no warning."""
    output = tmp_path_factory.mktemp("generated") / PACKAGE
    result = subprocess.run(
        [f"{BIN}/openapi-python-client", "generate", "--path", str(ROOT / "openapi.yaml"), "--output-path", str(output)]
        + ["--meta", "none", "--config", str(Path(__file__).with_name("openapi-python-client.yaml"))],
        cwd=output.parent,
        env={**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"},  # its ruff post-hooks
        capture_output=True,
        text=True,
    )
    report = result.stdout + result.stderr
    assert result.returncode == 0 and "warning" not in report.lower() and "error" not in report.lower(), report
    sys.path.insert(0, str(output.parent))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(output.parent))
        for name in [name for name in sys.modules if name == PACKAGE or name.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]


def module(generated, name):
    """``module(generated, "api.trends.list_trends")``: a generated module."""
    return importlib.import_module(f"{generated.__name__}.{name}")


@pytest.fixture(scope="module")
def api(generated, live_url):
    """The generated client on the live server; an undocumented status is an error."""
    with generated.Client(base_url=live_url, raise_on_unexpected_status=True) as client:
        yield client


@pytest.fixture(scope="module")
def models(generated):
    return module(generated, "models")


def list_trends(generated, api, **args):
    """Every trend the filters keep, read as one page of up to 100."""
    trends = module(generated, "api.trends.list_trends").sync(client=api, page_size=100, **args)
    assert isinstance(trends, list), trends
    return trends


def test_every_operation_has_a_generated_function(generated):
    spec = yaml.safe_load((ROOT / "openapi.yaml").read_text(encoding="utf-8"))
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            tag, operation_id = operation["tags"][0], operation["operationId"]
            snake = "".join(f"_{c.lower()}" if c.isupper() else c for c in operation_id)
            function = module(generated, f"api.{tag}.{snake}")
            assert callable(function.sync_detailed), (path, operation_id)


def test_models_are_typed_as_the_spec_says(models):
    # A nullable object (a search hit's signals) is "the object or None", not also an anonymous
    # model (HitSignalsWordsType1Type0); a trend's expert is never null, so never None
    assert not [name for name in dir(models) if re.search(r"Type\d", name)]
    assert models.HitSignals.__annotations__["words"] == "None | WordsSignal"
    for model in (models.TrendSummary, models.TrendDetail, models.RelatedTrend, models.KeywordTrend):
        assert model.__annotations__["expert"] == "ExpertSummary", model
    # Every problem has these members: no need to test for Unset
    annotations = models.Problem.__annotations__
    assert [annotations[name] for name in ("type_", "title", "status", "detail", "instance")] == [
        "str",
        "str",
        "int",
        "str",
        "str",
    ]


@pytest.mark.parametrize(
    "slugs, shared",
    [
        (["tiktok", "chine"], True),
        (["tiktok", "chine", "splinternet"], True),
        (["tiktok", "chine", "zoom"], False),
    ],
)
def test_trends_by_keyword_all_holds_every_keyword_any_holds_one(generated, api, models, slugs, shared):
    # about them: a summary lists the keywords its trend is about
    match, about = models.ListTrendsMatch, models.ListTrendsKeywordGrade.ABOUT
    every = list_trends(generated, api, keyword=slugs, match=match.ALL, keyword_grade=about)
    some = list_trends(generated, api, keyword=slugs, match=match.ANY, keyword_grade=about)
    alone = {slug: {trend.id for trend in list_trends(generated, api, keyword=[slug], keyword_grade=about)} for slug in slugs}

    assert bool(every) is shared and some and all(isinstance(trend, models.TrendSummary) for trend in every + some)
    assert {trend.id for trend in every} <= {trend.id for trend in some}
    assert {trend.id for trend in every} == set.intersection(*alone.values())
    assert {trend.id for trend in some} == set.union(*alone.values())
    for trend in every:
        assert set(slugs) <= {keyword.slug for keyword in trend.keywords}, trend.slug
    for trend in some:
        assert set(slugs) & {keyword.slug for keyword in trend.keywords}, trend.slug


def test_a_trend_by_number_and_slug_and_its_related_trends(generated, api, models):
    get_trend = module(generated, "api.trends.get_trend").sync
    trend = get_trend(client=api, number_or_slug="13")
    assert isinstance(trend, models.TrendDetail) and trend.number == 13
    assert get_trend(client=api, number_or_slug=trend.slug, edition=trend.edition.year).id == trend.id
    assert isinstance(trend.expert, models.ExpertSummary) and trend.sections and trend.plain_text
    assert all(isinstance(keyword, models.TrendKeyword) and keyword.evidence for keyword in trend.keywords)

    related = module(generated, "api.trends.list_related_trends").sync(client=api, number_or_slug=trend.slug)
    assert related and all(isinstance(other, models.RelatedTrend) for other in related)
    assert trend.id not in {other.id for other in related}

    def closeness(other):  # shared keywords, then meaning (its closest have a similarity), then words
        meaning = other.meaning_similarity
        return len(other.shared_keywords), meaning is not None, meaning or 0.0, 0.0 if meaning is not None else other.similarity

    order = [closeness(other) for other in related]
    assert order == sorted(order, reverse=True) and all(0 <= other.similarity <= 1 for other in related)
    keywords = {keyword.slug for keyword in trend.keywords}
    for other in related:
        assert {keyword.slug for keyword in other.shared_keywords} <= keywords & {k.slug for k in other.keywords}


def test_an_unknown_trend_is_a_typed_problem(generated, api, models):
    problem = module(generated, "api.trends.get_trend").sync(client=api, number_or_slug="999")
    assert isinstance(problem, models.Problem)
    assert (problem.status, problem.title, problem.instance) == (404, "Not Found", "/v1/trends/999")


def test_an_expert_and_the_trends_they_wrote(generated, api, models):
    trend = module(generated, "api.trends.get_trend").sync(client=api, number_or_slug="13")
    expert = module(generated, "api.experts.get_expert").sync(client=api, slug=trend.expert.slug)
    assert isinstance(expert, models.ExpertDetail)
    assert (expert.slug, expert.name) == (trend.expert.slug, trend.expert.name)
    assert trend.id in {written.id for written in expert.trends} and expert.trend_count == len(expert.trends)
    assert all(isinstance(link, models.ProfileLink) for link in expert.links)


@pytest.mark.parametrize("q", ["sobriété", "influenceurs", '"réseaux sociaux"'])
def test_search_hits_snippets_and_facets(generated, api, models, q):
    # the words as typed (no other labels of the keywords they name, no meaning): every hit has marks
    result = module(generated, "api.search.search").sync(client=api, q=q, page_size=100, literal=True)
    assert isinstance(result, models.SearchResult)
    assert result.hits and result.total == len(result.hits)
    counts = result.facets.type_
    by_type = Counter(hit.type_.value for hit in result.hits)
    assert (counts.trend, counts.expert, counts.keyword) == (by_type["trend"], by_type["expert"], by_type["keyword"])
    for hit in result.hits:
        assert isinstance(hit, models.Hit) and hit.snippets, hit.slug
        for snippet in hit.snippets:
            if snippet.field in ("title", "name", "term"):  # the report's titles hold no emoji: units are characters
                assert hit.title[snippet.start : snippet.end] == snippet.text
            assert snippet.matches and "<mark>" in snippet.html
            for match in snippet.matches:  # offsets in the snippet's text
                assert 0 <= match.start < match.end <= snippet.end - snippet.start
                word = snippet.text[match.start : match.end]
                assert f"<mark>{word}</mark>" in html.unescape(snippet.html)

    # /v1/trends finds the trends a search finds (by words and meaning), and the facets count them.
    result = module(generated, "api.search.search").sync(client=api, q=q, page_size=100)
    trends = list_trends(generated, api, q=q)
    assert {hit.slug for hit in result.hits if hit.type_.value == "trend"} == {trend.slug for trend in trends}
    assert result.facets.exhaustive
    experts = Counter(trend.expert.slug for trend in trends)
    facets = result.facets.expert
    assert len(facets) == min(20, len(experts)) and all(facet.count == experts[facet.slug] for facet in facets)
    assert [facet.count for facet in facets] == sorted((facet.count for facet in facets), reverse=True)
    keywords = Counter(keyword.slug for trend in trends for keyword in trend.keywords)
    assert all(facet.count == keywords[facet.slug] for facet in result.facets.keyword)


@pytest.mark.parametrize("page_size", [7, 38, 100])
def test_paging_to_the_end_sees_every_trend_once(generated, api, models, page_size):
    list_page = module(generated, "api.trends.list_trends").sync_detailed
    seen, page, pages = [], 1, 0
    while page is not None:
        response = list_page(client=api, page=page, page_size=page_size)
        assert response.status_code == 200
        paging = json.loads(response.headers["X-Pagination"])
        assert paging["page"] == page and all(isinstance(trend, models.TrendSummary) for trend in response.parsed)
        seen += [trend.id for trend in response.parsed]
        pages += 1
        if paging["next"]:
            assert f"page={paging['next']}" in response.headers["Link"]
        page = paging["next"]
    assert len(seen) == len(set(seen)) == paging["total"] == len(list_trends(generated, api))
    assert pages == paging["total_pages"] == paging["last"]
    past_the_end = list_page(client=api, page=pages + 1, page_size=page_size)
    assert past_the_end.status_code == 200 and past_the_end.parsed == []


def test_exports_through_the_generated_client(generated, api):
    csv_export = module(generated, "api.exports.export_trends_csv").sync_detailed(client=api, keyword=["chine"])
    assert csv_export.status_code == 200 and csv_export.content.startswith(b"id,number,slug,title,")
    ndjson = module(generated, "api.exports.export_keywords_ndjson").sync_detailed(client=api)
    assert [json.loads(line)["slug"] for line in ndjson.content.splitlines()][:2] == ["5g", "abm"]
