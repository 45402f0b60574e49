"""Keyword schemas."""

import marshmallow as ma

from ..parameters import QueryArgsSchema, Text, sort_field
from ..schemas import (
    EMBEDDED_TRENDS,
    ApiUrl,
    KeywordSummarySchema,
    TrendSummarySchema,
    WeightedLinkSchema,
    described,
)
from .queries import SORTS

EMBEDDED_KEYWORDS = 50  # co-occurring keywords a keyword's detail embeds


class KeywordQueryArgsSchema(QueryArgsSchema):
    q = Text(metadata={"description": "Keep keywords whose term contains this, accents and case aside.", "example": "reseaux"})
    sort = sort_field(SORTS, "Order: `term` (French order, accents and case aside; the default) or `-trend_count`.")


class KeywordSchema(KeywordSummarySchema):
    """A keyword as lists show it."""

    id = described(ma.fields.Integer(), "Stable numeric id of the keyword.", 22)
    trend_count = described(ma.fields.Integer(), "Number of trends about it.", 2)


class KeywordTrendSchema(WeightedLinkSchema, TrendSummarySchema):
    """One of a keyword's trends, with the strength and evidence of the link."""


class CoOccurringKeywordSchema(KeywordSummarySchema):
    count = described(ma.fields.Integer(), "Number of trends about both keywords.", 1)


class KeywordDetailSchema(KeywordSchema):
    """A keyword with its trends and the keywords found with it."""

    trends = described(
        ma.fields.List(ma.fields.Nested(KeywordTrendSchema)),
        f"Its trends, strongest link first, each with its evidence (at most {EMBEDDED_TRENDS}; all at trends_url).",
        [],
    )
    trends_url = described(ApiUrl("/trends", keyword="{0.slug}"), "All its trends, paged.", "/v1/trends?keyword=micro-et-nano")
    co_occurring = described(
        ma.fields.List(ma.fields.Nested(CoOccurringKeywordSchema)),
        f"Keywords of the same trends, most shared first (at most {EMBEDDED_KEYWORDS}).",
        [{"slug": "influence-marketing", "term": "influence marketing", "url": "/v1/keywords/influence-marketing", "count": 1}],
    )
