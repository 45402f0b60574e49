"""Keyword schemas."""

import marshmallow as ma

from ..parameters import QueryArgsSchema, Text, sort_field
from ..schemas import (
    example_url,
    EMBEDDED_TRENDS,
    ApiUrl,
    KeywordSummarySchema,
    Rounded,
    TrendSummarySchema,
    WeightedLinkSchema,
    described,
)
from ..search.semantic import SUGGESTION_FLOOR, SUGGESTIONS
from ..serialization import Schema
from .queries import KINDS, SORTS

EMBEDDED_KEYWORDS = 50  # co-occurring keywords a keyword's detail embeds


class KeywordQueryArgsSchema(QueryArgsSchema):
    q = Text(
        metadata={
            "description": "Keep keywords one of whose labels (French or English, preferred or alternative) holds "
            "this, accents and case aside; for an autocomplete box: labels equal to it first, then labels "
            "starting with it, then labels with a word starting so, then the others; preferred labels before "
            "alternative ones in each.",
            "example": "influen",
        }
    )
    kind = ma.fields.String(
        validate=ma.validate.OneOf(KINDS),
        metadata={
            "description": "Keep keywords of this kind: `cloud` (the report's keyword cloud), or a concept of the "
            "thesaurus: `topic`, `platform`, `practice`, `format`, `sector`, `place`, `event`.",
            "example": "topic",
        },
    )
    sort = sort_field(SORTS, "Order: `term` (French order, accents and case aside; the default) or `-trend_count`.")


class LabelsSchema(Schema):
    fr = described(ma.fields.String(), "The French label.", "intelligence artificielle")
    en = described(
        ma.fields.String(allow_none=True),
        "The English label (null for a cloud term no concept names).",
        "artificial intelligence",
    )


class AltLabelsSchema(Schema):
    fr = described(ma.fields.List(ma.fields.String()), "Other French names: acronyms, spellings, synonyms.", ["IA"])
    en = described(ma.fields.List(ma.fields.String()), "Other English names.", ["AI", "machine learning"])


class RelatedKeywordSchema(KeywordSummarySchema):
    """A keyword named as broader, narrower or related."""


class KeywordSchema(KeywordSummarySchema):
    """A keyword as lists show it: a term of the report's keyword cloud or a concept of the thesaurus."""

    id = described(ma.fields.Integer(), "Stable numeric id of the keyword.", 22)
    trend_count = described(ma.fields.Integer(), "Number of trends linked to it (about it or mentioning it).", 2)
    kind = described(
        ma.fields.String(validate=ma.validate.OneOf(KINDS)),
        "`cloud` for a term of the report's keyword cloud, else the kind of thesaurus concept.",
        "cloud",
    )
    labels = described(
        ma.fields.Nested(LabelsSchema), "Preferred labels by language.", {"fr": "micro et nano", "en": "micro and nano"}
    )
    alt_labels = described(
        ma.fields.Nested(AltLabelsSchema),
        "Alternative labels by language. `keyword=` accepts any label, preferred or not.",
        {"fr": ["micro et nano influenceurs"], "en": ["micro and nano influencers"]},
    )
    broader = described(ma.fields.List(ma.fields.Nested(RelatedKeywordSchema)), "Wider keywords.", [])
    narrower = described(ma.fields.List(ma.fields.Nested(RelatedKeywordSchema)), "Narrower keywords.", [])
    related = described(ma.fields.List(ma.fields.Nested(RelatedKeywordSchema)), "Related keywords.", [])


class KeywordTrendSchema(WeightedLinkSchema, TrendSummarySchema):
    """One of a keyword's trends, with the grade, strength and evidence of the link."""


class SuggestedTrendSchema(TrendSummarySchema):
    """A trend close by meaning to a concept it is not linked to."""

    similarity = described(
        Rounded(4),
        "How close the trend's passage closest to the concept is to the concept's labels by meaning (cosine, "
        f"at least {SUGGESTION_FLOOR:.2f}).",
        0.4504,
    )
    passage = described(
        ma.fields.String(),
        "That passage: why the trend is suggested.",
        "la maximisation de l'actif client. La rétention plutôt que l'acquisition, la fidélisation plutôt que la "
        "conquête.\n\nCette crise a en définitive conduit les professionnels du marketing à renouer avec le principe "
        "fondamental de la Gestion de la Relation Clients (CRM), la capitalisation sur l'actif client. Tout au long "
        "de cette année, les marques ont cherché à enrichir le dialogue avec leurs clients embasés, à resserrer les "
        "liens en exploitant au mieux cette mine d'or que sont les données clients, carburant de la relation client.",
    )


class CoOccurringKeywordSchema(KeywordSummarySchema):
    count = described(ma.fields.Integer(), "Number of trends about both keywords.", 1)


class KeywordDetailSchema(KeywordSchema):
    """A keyword with its trends and the keywords found with it."""

    trends = described(
        ma.fields.List(ma.fields.Nested(KeywordTrendSchema)),
        f"Its trends, those about it first, then by weight, each with its evidence (at most {EMBEDDED_TRENDS}; "
        "all at trends_url).",
        [],
    )
    trends_url = described(
        ApiUrl("/trends", keyword="{0.slug}"), "All its trends, paged.", example_url("/v1/trends?keyword=micro-et-nano")
    )
    co_occurring = described(
        ma.fields.List(ma.fields.Nested(CoOccurringKeywordSchema)),
        f"Keywords the same trends are about, most shared first (at most {EMBEDDED_KEYWORDS}).",
        [
            {
                "slug": "influence-marketing",
                "term": "influence marketing",
                "url": example_url("/v1/keywords/influence-marketing"),
                "count": 1,
            }
        ],
    )
    suggested_trends = described(
        ma.fields.List(ma.fields.Nested(SuggestedTrendSchema)),
        "Trends close to the keyword's concept by meaning that it is not linked to (so not in `trends`: no label "
        f"names them, or too little for a link), at most {SUGGESTIONS} of each edition, the closest first. Suggestions, "
        "not links: no filter finds them.",
        [],
    )
