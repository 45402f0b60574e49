"""Keyword schemas."""

import marshmallow as ma

from ..fields import Text, sort_field
from ..models import Keyword
from ..schemas import EMBEDDED_TRENDS, ApiUrl, KeywordSummarySchema, QueryArgsSchema, TrendSummarySchema, described

EMBEDDED_KEYWORDS = 50  # co-occurring keywords a keyword's detail embeds


class KeywordQueryArgsSchema(QueryArgsSchema):
    q = Text(metadata={"description": "Keep keywords whose term contains this, accents and case aside.", "example": "reseaux"})
    sort = sort_field(Keyword.SORTS, "Order: `term` (French order, accents and case aside; the default) or `-trend_count`.")


class KeywordSchema(ma.Schema):
    """A keyword as lists show it."""

    id = described(ma.fields.Integer(), "Stable numeric id of the keyword.", 22)
    slug = described(ma.fields.String(), "Stable identifier of the keyword.", "micro-et-nano")
    term = described(ma.fields.String(), "The keyword as the report's cloud prints it.", "micro et nano")
    trend_count = described(ma.fields.Integer(), "Number of trends about it.", 2)
    url = described(ApiUrl("/keywords/{0.slug}"), "The keyword in the API.", "/v1/keywords/micro-et-nano")


class KeywordTrendSchema(TrendSummarySchema):
    weight = described(
        ma.fields.Float(attribute="link.weight"),
        "Strength of the link, 0 to 1: 1 when the title holds the keyword, less for a heading or the body.",
        1.0,
    )
    location = described(
        ma.fields.String(attribute="link.location", validate=ma.validate.OneOf(["title", "subtitle", "heading", "body"])),
        "Where the evidence was found.",
        "title",
    )
    evidence = described(
        ma.fields.String(attribute="link.evidence"), "The passage that shows why the trend is about the keyword.", "Micro et nano"
    )


class CoOccurringKeywordSchema(KeywordSummarySchema):
    count = described(ma.fields.Integer(), "Number of trends about both keywords.", 1)


class KeywordDetailSchema(KeywordSchema):
    """A keyword with its trends and the keywords found with it."""

    trends = described(
        ma.fields.List(ma.fields.Nested(KeywordTrendSchema), attribute="trend_list"),
        f"Its trends, strongest link first, each with its evidence (at most {EMBEDDED_TRENDS}; all at trends_url).",
        [],
    )
    trends_url = described(ApiUrl("/trends", keyword="{0.slug}"), "All its trends, paged.", "/v1/trends?keyword=micro-et-nano")
    co_occurring = described(
        ma.fields.List(ma.fields.Nested(CoOccurringKeywordSchema), attribute="co_occurring_list"),
        f"Keywords of the same trends, most shared first (at most {EMBEDDED_KEYWORDS}).",
        [{"slug": "influence-marketing", "term": "influence marketing", "url": "/v1/keywords/influence-marketing", "count": 1}],
    )
