"""Search schemas: arguments and the answer."""

import marshmallow as ma

from ..parameters import QueryArgsSchema, edition_field, search_field, term_list
from ..schemas import ExpertSummarySchema, KeywordSummarySchema, described
from ..serialization import Schema
from .results import FACET_SAMPLE, KINDS


class SearchArgsSchema(QueryArgsSchema):
    q = search_field(
        "What to search for, in the trends, experts and keywords.", '"micro et nano" influenceurs -tiktok', required=True
    )
    type = term_list("Kinds of hits to return: `trend`, `expert`, `keyword` (default: all).", ["trend"], choices=KINDS)
    edition = edition_field("Restrict trend hits to one edition (default: every edition).")
    literal = ma.fields.Boolean(
        load_default=False,
        metadata={
            "description": "`true`: search the words exactly as typed, without the other labels of the keywords "
            "they name and without answering with any word when nothing holds them all (default `false`).",
            "example": False,
        },
    )


class MatchSchema(Schema):
    start = described(ma.fields.Integer(), "Offset of the matched word in the field's text.", 52)
    end = described(ma.fields.Integer(), "Offset just past it.", 63)


class SnippetSchema(Schema):
    field = described(
        ma.fields.String(),
        "Which text of the hit: `title`, `subtitle`, `plain_text` (trends); `name`, `organization`, "
        "`roles`, `bio` (experts; lists joined by line breaks); `term` (keywords).",
        "plain_text",
    )
    start = described(ma.fields.Integer(), "Offset in the field's text where the snippet starts.", 12)
    end = described(ma.fields.Integer(), "Offset where it ends.", 190)
    text = described(ma.fields.String(), "The snippet, as plain text.", "la fragmentation du cyberspace (splinternet) semble")
    html = described(
        ma.fields.String(),
        'The snippet as HTML: the text escaped, matched words in `<mark>`, "…" where it is cut.',
        "…la fragmentation du cyberspace (<mark>splinternet</mark>) semble…",
    )
    matches = described(
        ma.fields.List(ma.fields.Nested(MatchSchema)),
        "Where each marked word is in the field's text.",
        [{"start": 52, "end": 63}],
    )


class HitSchema(Schema):
    type = described(ma.fields.String(validate=ma.validate.OneOf(KINDS)), "What was found.", "trend")
    slug = described(ma.fields.String(), "Its slug.", "fragmentation-du-monde-et-splinternet")
    number = described(ma.fields.Integer(allow_none=True), "The trend's number (trends only).", 13)
    edition = described(ma.fields.Integer(allow_none=True), "The trend's edition (trends only).", 2021)
    title = described(
        ma.fields.String(), "Title of a trend, name of an expert, term of a keyword.", "Fragmentation du monde et Splinternet"
    )
    url = described(ma.fields.String(), "It in the API.", "/v1/trends/fragmentation-du-monde-et-splinternet?edition=2021")
    score = described(ma.fields.Float(), "Relevance (higher is better; compare within one answer only).", 6.0113)
    snippets = described(ma.fields.List(ma.fields.Nested(SnippetSchema)), "Matching passages, matches marked.", [])


class TypeCountsSchema(Schema):
    """Only the kinds asked for (``type``) are counted."""

    trend = described(ma.fields.Integer(), "Trend hits.", 1, required=False)
    expert = described(ma.fields.Integer(), "Expert hits.", 0, required=False)
    keyword = described(ma.fields.Integer(), "Keyword hits.", 1, required=False)


class KeywordFacetSchema(KeywordSummarySchema):
    count = described(ma.fields.Integer(), "Trend hits about this keyword.", 1)


class ExpertFacetSchema(ExpertSummarySchema):
    count = described(ma.fields.Integer(), "Trend hits by this expert.", 1)


class FacetsSchema(Schema):
    type = described(ma.fields.Nested(TypeCountsSchema), "All hits, by type.", {"trend": 1, "expert": 0, "keyword": 1})
    exhaustive = described(
        ma.fields.Boolean(),
        f"Whether `keyword` and `expert` count every trend hit ({FACET_SAMPLE:,} hits or fewer in all); when "
        f"false, they count the trend hits among the {FACET_SAMPLE:,} most relevant hits.",
        True,
    )
    keyword = described(ma.fields.List(ma.fields.Nested(KeywordFacetSchema)), "Trend hits by keyword, most first (top 20).", [])
    expert = described(ma.fields.List(ma.fields.Nested(ExpertFacetSchema)), "Trend hits by expert, most first (top 20).", [])


class ExpansionSchema(Schema):
    matched = described(
        ma.fields.String(), "Words of the query (as analysed) that are a label of a keyword.", "artificial intelligent"
    )
    keyword = described(
        ma.fields.Nested(KeywordSummarySchema),
        "The keyword they name.",
        {
            "slug": "intelligence-artificielle",
            "term": "intelligence artificielle",
            "url": "/v1/keywords/intelligence-artificielle",
        },
    )
    labels = described(
        ma.fields.List(ma.fields.String()),
        "Its other labels, searched too (in either language).",
        ["intelligence artificielle", "IA", "machine learning"],
    )


class ReadQuerySchema(Schema):
    text = described(ma.fields.String(), "The query as sent.", '"micro et nano" influenceurs -tiktok')
    operator = described(ma.fields.String(), "How the clauses combine.", "AND")
    clauses = described(
        ma.fields.List(ma.fields.List(ma.fields.String())),
        "Each clause must match; within a clause, any alternative (OR) may.",
        [['"micro nano"'], ["influenceur"]],
    )
    terms = described(ma.fields.List(ma.fields.String()), "Single words searched, as analysed.", ["influenceur"])
    phrases = described(ma.fields.List(ma.fields.List(ma.fields.String())), "Phrases searched, as analysed.", [["micro", "nano"]])
    prefixes = described(ma.fields.List(ma.fields.String()), "Word starts searched (`pref*`).", [])
    excluded = described(ma.fields.List(ma.fields.String()), "What a hit must not hold.", ["tiktok"])
    expansions = described(
        ma.fields.List(ma.fields.Nested(ExpansionSchema)),
        "Keywords the query names, searched under all their labels: a word, a quoted phrase or words side by side "
        "that are a label (French or English) become one clause, any label matching; trends about the keyword "
        "rank higher.",
        [],
    )
    relaxed = described(
        ma.fields.Boolean(),
        "True when no hit held every word of the query: the hits then hold any of its words (one clause).",
        False,
    )


class SpellingSchema(Schema):
    word = described(ma.fields.String(), "A word of the query (as analysed) that the index does not hold.", "splintrnet")
    suggestions = described(
        ma.fields.List(ma.fields.String()),
        "Words the index holds, closest spelling first (search them as they are).",
        ["splinternet"],
    )


class SearchResultSchema(Schema):
    query = described(
        ma.fields.Nested(ReadQuerySchema),
        "The query as the service read it.",
        {
            "text": "splinternet",
            "operator": "AND",
            "clauses": [["splinternet"]],
            "terms": ["splinternet"],
            "phrases": [],
            "prefixes": [],
            "excluded": [],
            "expansions": [],
            "relaxed": False,
        },
    )
    total = described(ma.fields.Integer(), "Number of hits.", 2)
    facets = described(
        ma.fields.Nested(FacetsSchema),
        "Counts of all hits.",
        {
            "type": {"trend": 1, "expert": 0, "keyword": 1},
            "exhaustive": True,
            "keyword": [{"slug": "splinternet", "term": "splinternet", "url": "/v1/keywords/splinternet", "count": 1}],
            "expert": [{"slug": "claire-renault", "name": "Claire Renault", "url": "/v1/experts/claire-renault", "count": 1}],
        },
    )
    hits = described(ma.fields.List(ma.fields.Nested(HitSchema)), "This page of hits, best first.", [])
    suggestions = described(
        ma.fields.List(ma.fields.Nested(SpellingSchema)),
        "When nothing was found: for each word of the query the index does not hold, the closest words it holds.",
        [],
    )
