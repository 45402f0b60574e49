"""Answers dumped along a plan are marshmallow's answers; JSON written by orjson is Flask's JSON."""

import datetime
import json
from dataclasses import dataclass

import marshmallow as ma
import pytest

from api.serialization import Schema
from api.trends.queries import SORTS

# One request at least per operation, with the variants that change the shape of an answer:
# a trend whose article has no expert block (#16: the 'avec...' list names its expert), a related list, searches with
# hits of every type, a page past the end, errors.
URLS = [
    "/",
    "/health",
    "/ready",
    "/v1/editions",
    "/v1/editions/2021",
    *(f"/v1/trends?sort={sort}" for sort in SORTS),
    "/v1/trends?page_size=100",
    "/v1/trends?keyword=confinement&keyword=influence-marketing&match=any",
    "/v1/trends?q=influenceurs",
    "/v1/trends?page=9",
    *(f"/v1/trends/{number}" for number in range(1, 39)),
    "/v1/trends/5/related",
    "/v1/experts",
    "/v1/experts?q=celic",
    "/v1/experts/nicolas-celic",
    "/v1/experts/maria-mercanti-guerin",
    "/v1/keywords",
    "/v1/keywords/confinement",
    "/v1/search?q=r%C3%A9seaux%20sociaux",
    "/v1/search?q=influenceurs&type=trend&type=expert&type=keyword",
    "/v1/search?q=%22marketing%20d%27influence%22",
    "/v1/trends/999",
    "/v1/trends?page=0",
]


@pytest.fixture
def both_dumps(monkeypatch):
    """Every dump of a :class:`Schema` made both ways: ``[(schema, plan's JSON, marshmallow's JSON)]``."""
    dumps = []
    planned = Schema.dump

    def dump(self, obj, *, many=None):
        ours = planned(self, obj, many=many)
        theirs = ma.Schema.dump(self, obj, many=many)
        dumps.append((type(self).__name__, json.dumps(ours, ensure_ascii=False), json.dumps(theirs, ensure_ascii=False)))
        return ours

    monkeypatch.setattr(Schema, "dump", dump)
    return dumps


def test_every_answer_is_what_marshmallow_dumps(uncached_client, both_dumps):
    for url in URLS:
        response = uncached_client.get(url)
        assert response.status_code in (200, 404, 422), (url, response.status_code)
    different = [(name, ours[:300], theirs[:300]) for name, ours, theirs in both_dumps if ours != theirs]
    assert different == []  # compared as JSON text: the order of members counts too
    dumped = {name for name, _, _ in both_dumps}
    assert {"TrendSummarySchema", "TrendDetailSchema", "ExpertSchema", "HitSchema", "IndexSchema"} <= dumped


@dataclass
class Thing:
    name: object = "a"
    count: object = 1
    size: object = 3
    ratio: object = 0.5
    flag: object = True
    inner: object = None
    tags: object = None


class InnerSchema(Schema):
    name = ma.fields.String()


class ThingSchema(Schema):
    name = ma.fields.String()
    count = ma.fields.Integer()
    ratio = ma.fields.Float()
    flag = ma.fields.Boolean()
    inner = ma.fields.Nested(InnerSchema, allow_none=True)
    tags = ma.fields.List(ma.fields.String(), allow_none=True)
    shout = ma.fields.Function(lambda thing: str(thing.name).upper())
    missing_one = ma.fields.String(dump_default="default")
    renamed = ma.fields.Integer(attribute="size", data_key="total")


@pytest.mark.parametrize(
    "thing",
    [
        Thing(),
        Thing(name=5, count=True, ratio=1, flag=0, inner=Thing(name=None), tags=["x", 2, None]),
        Thing(name=None, count=None, ratio=None, flag=None, inner=None, tags=None),
        Thing(inner=Thing(name="b"), tags=[]),
    ],
    ids=["usual", "other types", "nulls", "nested"],
)
def test_values_of_other_types_defaults_and_renames_dump_as_marshmallow_dumps_them(thing):
    schema = ThingSchema()
    assert list(schema.dump(thing).items()) == list(ma.Schema.dump(schema, thing).items())
    assert schema.dump([thing, thing], many=True) == ma.Schema.dump(schema, [thing, thing], many=True)


def test_a_mapping_a_schema_with_hooks_and_a_path_through_objects_are_dumped_by_marshmallow():
    assert InnerSchema().dump({"name": "m"}) == {"name": "m"}

    class Hooked(Schema):
        name = ma.fields.String()

        @ma.post_dump
        def shout(self, data, **kwargs):
            return {**data, "name": data["name"].upper()}

    assert Hooked().dump(Thing(name="quiet")) == {"name": "QUIET"}

    class Path(Schema):
        inner_name = ma.fields.String(attribute="inner.name")

    assert Path().dump(Thing(inner=Thing(name="deep"))) == {"inner_name": "deep"}


def test_json_is_compact_utf8_in_the_order_given(app):
    with app.app_context():
        assert app.json.dumps({"é": "à « b »", "a": [1, 0.25, None, True]}) == '{"é":"à « b »","a":[1,0.25,null,true]}'
        # What orjson would write otherwise, or cannot write, is written as Flask writes it.
        assert app.json.dumps({"day": datetime.date(2021, 1, 4)}) == '{"day":"Mon, 04 Jan 2021 00:00:00 GMT"}'
        assert app.json.dumps({1: "one"}) == '{"1":"one"}'
        assert app.json.dumps({"big": 2**70}) == '{"big":1180591620717411303424}'
        assert app.json.dumps({"a": 1}, indent=2) == '{\n  "a": 1\n}'
