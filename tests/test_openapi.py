"""The OpenAPI document: committed, valid, linted, and complete enough to explore in Swagger UI."""

import inspect
import json
import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest
import yaml
from openapi_spec_validator import validate

from api import openapi
from api.parameters import MAX_PAGE
from api.parameters import PRINTABLE_PATTERN
from api.problems import KIND_OF_STATUS, PROBLEM_EXAMPLES, problem_example

ROOT = Path(__file__).resolve().parent.parent
REDOCLY = ROOT / ".ci" / "node_modules" / ".bin" / "redocly"


@pytest.fixture(scope="module")
def spec(app):
    return app.test_client().get("/openapi.json").get_json()


def operations(spec):
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method in ("get", "head", "post", "put", "patch", "delete", "options"):
                yield path, method, operation


def test_flask_smorest_is_adjusted_through_documented_hooks_only():
    # No underscore name of flask-smorest or apispec is overridden, called or read (STYLE.md).
    assert re.findall(r"\b_[a-z]\w*", inspect.getsource(openapi)) == []


def test_probes_document_neither_caching_nor_rate_limits(spec):
    answer = spec["paths"]["/health"]["get"]
    assert "parameters" not in answer and "headers" not in answer["responses"]["200"]
    assert set(answer["responses"]) == {"200", "default"}


def test_committed_openapi_yaml_is_what_the_app_serves(spec):
    committed = yaml.safe_load((ROOT / "openapi.yaml").read_text(encoding="utf-8"))
    assert committed == spec, "openapi.yaml is stale: run `make openapi` and commit it"


def test_spec_is_valid_openapi(spec):
    validate(spec)


def test_redocly_lint_recommended_rules_pass():
    assert REDOCLY.exists(), "run `make test` (it installs Redocly CLI into .ci/node_modules)"
    result = subprocess.run(
        [str(REDOCLY), "lint", "openapi.yaml", "--format=json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={
            "PATH": str(Path(shutil.which("node")).parent),
            "REDOCLY_TELEMETRY": "off",
            "REDOCLY_SUPPRESS_UPDATE_NOTICE": "true",
        },
    )
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout[result.stdout.index("{") :])
    assert report["totals"]["errors"] == report["totals"]["warnings"] == 0, report["problems"]


def test_every_operation_has_summary_description_and_a_stable_operation_id(spec):
    ids = []
    for path, method, operation in operations(spec):
        assert operation.get("summary") and operation.get("description"), (path, method)
        ids.append(operation["operationId"])
    assert len(ids) == len(set(ids))
    assert {
        "listTrends",
        "getTrend",
        "listRelatedTrends",
        "listExperts",
        "getExpert",
        "listKeywords",
        "getKeyword",
        "listEditions",
        "getEdition",
    } <= set(ids)


def resolve(spec, node):
    while "$ref" in node:
        section, kind, name = node["$ref"].split("/")[1:]
        node = spec[section][kind][name]
    return node


def test_every_parameter_has_a_description_and_an_example(spec):
    for path, _method, operation in operations(spec):
        for parameter in operation.get("parameters", []) + spec["paths"][path].get("parameters", []):
            parameter = resolve(spec, parameter)
            assert parameter.get("description"), (path, parameter["name"])
            has_example = "example" in parameter or "examples" in parameter or "example" in parameter.get("schema", {})
            if parameter.get("required"):
                assert has_example, (path, parameter["name"])
            else:  # in words: Swagger UI's "Try it out" would send it (issue 16)
                assert not has_example and "Example: `" in parameter["description"], (path, parameter["name"])


def test_every_schema_field_has_a_description_and_an_example(spec):
    for name, schema in spec["components"]["schemas"].items():
        for field, prop in schema.get("properties", {}).items():
            assert prop.get("description"), f"{name}.{field}"
            assert "example" in prop, f"{name}.{field}"


def test_every_operation_documents_its_errors_as_problems(spec):
    for path, method, operation in operations(spec):
        responses = operation["responses"]
        assert "default" in responses, (path, method)
        if operation["tags"] == ["probes"]:  # probes are neither cached nor rate limited
            assert not {"304", "401", "429"} & set(responses), (path, method)
        elif operation["tags"] == ["account"]:  # a client's own: limited, never cached
            assert {"401", "429", "503"} <= set(responses) and "304" not in responses, (path, method)
        else:
            assert {"304", "401", "429", "503"} <= set(responses), (path, method)
        for status, response in responses.items():
            if status.startswith(("4", "5")) or status == "default":
                assert list(resolve(spec, response)["content"]) == ["application/problem+json"], (path, status)
        if "{" in path:
            assert "404" in responses, path
        if operation.get("parameters") and any(resolve(spec, p)["in"] == "query" for p in operation["parameters"]):
            assert "422" in responses, path


def test_keyword_is_a_repeatable_array_parameter(spec):
    keyword = next(p for p in spec["paths"]["/v1/trends"]["get"]["parameters"] if p.get("name") == "keyword")
    assert keyword["schema"]["type"] == "array" and keyword["schema"]["items"]["type"] == "string"
    assert keyword.get("explode", True) is True and keyword.get("style", "form") == "form"


def test_list_responses_document_paging_and_caching_headers(spec):
    headers = spec["paths"]["/v1/trends"]["get"]["responses"]["200"]["headers"]
    rate_limit = {"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"}
    assert set(headers) == {"X-Pagination", "Link", "ETag", "Cache-Control", "Access-Control-Allow-Origin", *rate_limit}
    assert spec["components"]["headers"]["PAGINATION"]["schema"]["type"] == "string"
    assert "PaginationMetadata" not in spec["components"]["schemas"]  # flask-smorest's object, not what is sent


def test_refusals_document_when_to_come_back_and_cors(spec):
    responses = spec["components"]["responses"]
    limited = {"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "Retry-After", "Access-Control-Allow-Origin"}
    assert set(responses["TOO_MANY_REQUESTS"]["headers"]) == limited
    assert set(responses["SERVICE_UNAVAILABLE"]["headers"]) == {"Retry-After", "Access-Control-Allow-Origin"}
    assert spec["components"]["headers"]["RETRY_AFTER"]["schema"]["type"] == "integer"
    assert {"429", "503"} <= set(spec["paths"]["/v1/trends"]["get"]["responses"])


def test_x_pagination_example_has_the_members_of_a_middle_page(spec, client):
    example = json.loads(spec["components"]["headers"]["PAGINATION"]["schema"]["example"])
    sent = json.loads(client.get("/v1/trends?page=2&page_size=1").headers["X-Pagination"])
    assert list(example) == list(sent)
    assert example["total_pages"] == -(-example["total"] // 20) and example["page"] == 2  # as its description says


def test_no_count_of_the_loaded_data_is_stated_as_a_fact(spec, get_json):
    # The description and the examples of paging hold whatever editions are loaded; the counts
    # are the editions' own (/v1/editions).
    edition = get_json("/v1/editions")[0]
    counts = {str(edition[name]) for name in ("trend_count", "expert_count", "keyword_count")}
    for text in (spec["info"]["description"], spec["components"]["headers"]["PAGINATION"]["schema"]["example"]):
        assert not counts & set(re.findall(r"\d+", text)), text


def example_request(spec, path, operation):
    """The request Swagger UI's "Try it out" sends as it opens: every parameter that has an
    example (the first of its ``examples``) or a default set to it."""
    query, headers = [], {}
    for parameter in operation.get("parameters", []) + spec["paths"][path].get("parameters", []):
        parameter = resolve(spec, parameter)
        if "examples" in parameter:
            value = next(iter(parameter["examples"].values()))["value"]
        else:
            value = parameter.get("example", parameter["schema"].get("example", parameter["schema"].get("default")))
        if value is None:
            continue
        if parameter["in"] == "path":
            path = path.replace(f"{{{parameter['name']}}}", str(value))
        elif parameter["in"] == "query":
            query += [(parameter["name"], item) for item in (value if isinstance(value, list) else [value])]
        else:
            headers[parameter["name"]] = value
    return path, query, headers


def test_try_it_out_with_the_examples_answers_with_data(spec, client):
    # Swagger UI fills the parameters that have an example (the required ones) or a default: a
    # first "Execute" must show data, unfiltered.
    for path, method, operation in operations(spec):
        url, query, headers = example_request(spec, path, operation)
        response = client.open(url, method=method, query_string=query, headers=headers)
        assert response.status_code == 200, (url, query, response.get_data(as_text=True))
        body = response.get_json() if response.is_json else response.get_data(as_text=True)
        assert body and (not isinstance(body, dict) or body.get("hits", [None])), (url, query)


def test_printable_pattern_is_the_rule_the_api_applies():
    pattern = re.compile(PRINTABLE_PATTERN)  # read alike by Python and ECMA-262 (JSON Schema)
    for code in range(0x10000):
        char = chr(code)
        assert (pattern.search(f"a{char}b") is None) == (unicodedata.category(char) == "Cc"), hex(code)


def test_every_text_parameter_documents_that_control_characters_are_refused(spec):
    for path, _method, operation in operations(spec):
        for parameter in operation.get("parameters", []) + spec["paths"][path].get("parameters", []):
            parameter = resolve(spec, parameter)
            schema = parameter["schema"].get("items", parameter["schema"])
            if parameter["in"] in ("path", "query") and schema["type"] == "string" and "enum" not in schema:
                assert schema.get("pattern") == PRINTABLE_PATTERN, (path, parameter["name"])


def test_page_documents_its_maximum(spec):
    page = next(p for p in spec["paths"]["/v1/trends"]["get"]["parameters"] if p.get("name") == "page")
    assert page["schema"]["maximum"] == MAX_PAGE


@pytest.mark.parametrize("kind", ["bad-request", "not-found", "method-not-allowed", "invalid-parameters", "unknown-parameters"])
def test_a_problem_example_is_what_the_service_answers(client, kind):
    method, url, _, _ = PROBLEM_EXAMPLES[kind]
    assert client.open(url, method=method).get_json(force=True) == problem_example(kind)


def test_each_status_documents_its_own_problem(spec):
    responses = spec["components"]["responses"]
    for name, status in (
        ("UNAUTHORIZED", 401),
        ("NOT_FOUND", 404),
        ("UNPROCESSABLE_ENTITY", 422),
        ("TOO_MANY_REQUESTS", 429),
        ("SERVICE_UNAVAILABLE", 503),
    ):
        example = responses[name]["content"]["application/problem+json"]["example"]
        assert example["status"] == status and example["type"] == f"/problems/{KIND_OF_STATUS[status]}", name


def test_api_keys_are_optional_and_documented(spec):
    assert spec["security"] == [{}, {"bearerKey": []}, {"headerKey": []}]  # anonymous first
    schemes = spec["components"]["securitySchemes"]
    assert schemes["bearerKey"]["scheme"] == "bearer" and schemes["headerKey"]["name"] == "X-API-Key"
    unauthorized = spec["components"]["responses"]["UNAUTHORIZED"]
    assert unauthorized["headers"]["WWW-Authenticate"] == {"$ref": "#/components/headers/WWW_AUTHENTICATE"}
    me = spec["paths"]["/v1/me"]["get"]
    assert me["responses"]["200"]["headers"]["X-RateLimit-Limit"] == {"$ref": "#/components/headers/X_RATELIMIT_LIMIT"}
    assert "ETag" not in me["responses"]["200"]["headers"]


def test_a_trend_always_has_its_expert(spec, get_json):
    """Not nullable, so generated clients need no null check: the seed refuses an article that
    nothing signs (seed/parser.py), and every trend of the report has its expert."""
    schemas = spec["components"]["schemas"].items()
    with_expert = {
        name: schema for name, schema in schemas if "ExpertSummary" in json.dumps(schema.get("properties", {}).get("expert"))
    }
    assert {"TrendSummary", "TrendDetail", "RelatedTrend", "KeywordTrend"} <= set(with_expert)
    for name, schema in with_expert.items():
        expert = schema["properties"]["expert"]
        assert "nullable" not in json.dumps(expert) and "null" not in json.dumps(expert.get("anyOf", [])), name
        assert "expert" in schema["required"], name
    assert all(trend["expert"]["url"] for trend in get_json("/v1/trends?page_size=100"))
