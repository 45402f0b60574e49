"""GET /v1/experts and /v1/experts/{slug}."""

import pytest

from tests.helpers import assert_problem, assert_query_count, api_url


def slugs(items):
    return [item["slug"] for item in items]


def test_list_experts_in_french_name_order(get_json):
    names = [e["name"] for e in get_json("/v1/experts?page_size=100")]
    assert len(names) == 35
    assert names[:2] == ["Alban Jarry", "Anthony Rochand"]
    # "Émilie" would sort after "Z" by code point; here it sorts with the E's.
    assert names.index("Emilie Marquois") < names.index("Fabrice Frossard")
    assert names.index("Jérôme Bondu") < names.index("Joël Gaudeul") < names.index("Jonathan Chan")
    assert [e["name"] for e in get_json("/v1/experts?sort=-name&page_size=100")] == names[::-1]


def test_expert_item(get_json):
    expert = next(e for e in get_json("/v1/experts?page_size=100") if e["slug"] == "guillaume-terrien")
    assert expert == {
        "id": expert["id"],
        "slug": "guillaume-terrien",
        "name": "Guillaume Terrien",
        "name_original": "Guillaume TERRIEN",
        "roles": ["Fondateur de World Digital People"],
        "organization": "World Digital People",  # named in the role (seed/experts.py organization_in)
        "links": [{"kind": "linkedin", "url": "https://www.linkedin.com/in/guillaume-terrien-41941637/"}],
        "trend_count": 1,
        "url": api_url("/v1/experts/guillaume-terrien"),
    }


def test_an_organisation_named_in_a_role_filters_like_any_other(get_json):
    assert [e["slug"] for e in get_json("/v1/experts?organization=world%20digital%20people")] == ["guillaume-terrien"]
    assert [e["slug"] for e in get_json("/v1/experts?organization=BlueBoat")] == ["christophe-thil"]


def test_list_experts_without_n_plus_1(uncached_client):
    with assert_query_count(5):  # data version, count, page ids, page rows, links
        assert uncached_client.get("/v1/experts?page_size=100").status_code == 200


@pytest.mark.parametrize("q", ["celic", "CÉLIC", "Célic", "nicolas cel*", "CÉLI* nicolas"])
def test_q_matches_names_accent_insensitively(get_json, q):
    assert slugs(get_json(f"/v1/experts?q={q}")) == ["nicolas-celic"]


def test_q_matches_organizations(get_json):
    assert slugs(get_json("/v1/experts?q=digimind&sort=name")) == ["christophe-asselin", "claire-renault", "kevin-merigot"]


def test_organization_filter_is_exact_but_accent_and_case_insensitive(get_json):
    assert slugs(get_json("/v1/experts?organization=societe generale")) == ["quentin-liot"]
    assert get_json("/v1/experts?organization=Societe") == []


def test_sort_by_trend_count(get_json):
    assert slugs(get_json("/v1/experts?sort=-trend_count&page_size=2")) == ["nicolas-celic", "quentin-liot"]


def test_get_expert_with_bio_and_trends(get_json):
    expert = get_json("/v1/experts/anthony-rochand")
    assert expert["bio"] == ["Anthony est Formateur / Mentor en Communication d'influence & Social Marketing"]
    assert [t["number"] for t in expert["trends"]] == [7]
    assert expert["trends_url"] == api_url("/v1/trends?expert=anthony-rochand")
    assert [t["number"] for t in get_json("/v1/experts/nicolas-celic")["trends"]] == [22, 23, 24]


def test_expert_whose_shared_link_pointed_elsewhere_has_none(get_json):
    assert get_json("/v1/experts/david-dubois")["links"] == []


@pytest.mark.parametrize("slug", ["nobody", "NICOLAS-CELIC", "nicolas celic"])
def test_unknown_expert_is_a_404(client, slug):
    assert_problem(client.get(f"/v1/experts/{slug}"), 404)


def test_invalid_sort_is_a_422(client):
    assert list(assert_problem(client.get("/v1/experts?sort=age"), 422)["errors"]) == ["sort"]
