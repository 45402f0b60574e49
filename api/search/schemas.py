"""Search schemas: arguments and the answer."""

import json
from pathlib import Path

import marshmallow as ma

from ..parameters import QueryArgsSchema, edition_field, literal_field, search_field, term_list
from ..schemas import ExpertSummarySchema, KeywordSummarySchema, described, example_url
from ..serialization import Schema
from . import semantic
from .results import FACET_SAMPLE, KINDS


class SearchArgsSchema(QueryArgsSchema):
    q = search_field(
        "What to search for, in the trends, experts and keywords.", '"micro et nano" influenceurs -tiktok', required=True
    )
    type = term_list("Kinds of hits to return: `trend`, `expert`, `keyword` (default: all).", ["trend"], choices=KINDS)
    edition = edition_field("Restrict trend hits to one edition (default: every edition).")
    literal = literal_field("and without answering with any word when nothing holds them all")


class MatchSchema(Schema):
    start = described(ma.fields.Integer(), "Where the marked word starts in the snippet's text (UTF-16 code units).", 32)
    end = described(ma.fields.Integer(), "Where it ends (just past it).", 43)


class SnippetSchema(Schema):
    field = described(
        ma.fields.String(),
        "Which text of the hit: `title`, `subtitle`, `plain_text` (trends); `name`, `organization`, "
        "`roles`, `bio` (experts; lists joined by line breaks); `term` (keywords).",
        "plain_text",
    )
    start = described(
        ma.fields.Integer(),
        "Where the snippet starts in the field's text, in UTF-16 code units (JavaScript's string indices: "
        "`field.slice(start, end)` is `text`).",
        12,
    )
    end = described(ma.fields.Integer(), "Where it ends, in UTF-16 code units.", 190)
    text = described(ma.fields.String(), "The snippet, as plain text.", "la fragmentation du cyberspace (splinternet) semble")
    html = described(
        ma.fields.String(),
        'The snippet as HTML: the text escaped, matched words in `<mark>`, "…" where it is cut.',
        "…la fragmentation du cyberspace (<mark>splinternet</mark>) semble…",
    )
    matches = described(
        ma.fields.List(ma.fields.Nested(MatchSchema)),
        "Where each marked word is in the snippet's `text`, in UTF-16 code units (JavaScript's string indices: "
        "`text.slice(match.start, match.end)` is the word).",
        [{"start": 32, "end": 43}],
    )
    similarity = described(
        ma.fields.Float(allow_none=True),
        "For the passage of a trend found by meaning alone (none of its words matched): how close it is to the "
        "query (cosine, -1 to 1); null for a snippet of matching words.",
        None,
    )


class WordsSignalSchema(Schema):
    rank = described(ma.fields.Integer(), "The hit's rank among the hits by words (1 is best).", 1)
    score = described(ma.fields.Float(), "Its relevance by words (BM25 with title words weighing more).", 6.0113)


class MeaningSignalSchema(Schema):
    rank = described(ma.fields.Integer(), "The trend's rank by meaning (1 is closest).", 1)
    similarity = described(
        ma.fields.Float(), "How close its passage closest to the query is (cosine of their embeddings, -1 to 1).", 0.5321
    )


class HitSignalsSchema(Schema):
    words = described(
        ma.fields.Nested(WordsSignalSchema, allow_none=True),
        "How words found it; null if they did not.",
        {"rank": 1, "score": 6.0113},
    )
    meaning = described(
        ma.fields.Nested(MeaningSignalSchema, allow_none=True),
        "How meaning found it (trends only); null if it did not (or the search was literal).",
        {"rank": 1, "similarity": 0.5321},
    )


class HitSchema(Schema):
    type = described(ma.fields.String(validate=ma.validate.OneOf(KINDS)), "What was found.", "trend")
    slug = described(ma.fields.String(), "Its slug.", "fragmentation-du-monde-et-splinternet")
    number = described(ma.fields.Integer(allow_none=True), "The trend's number (trends only).", 13)
    edition = described(ma.fields.Integer(allow_none=True), "The trend's edition (trends only).", 2021)
    title = described(
        ma.fields.String(), "Title of a trend, name of an expert, term of a keyword.", "Fragmentation du monde et Splinternet"
    )
    url = described(
        ma.fields.String(), "It in the API.", example_url("/v1/trends/fragmentation-du-monde-et-splinternet?edition=2021")
    )
    score = described(
        ma.fields.Float(),
        "Relevance: the reciprocal rank fusion of its ranks by words and by meaning (`signals`), "
        "the sum of 1 / (60 + rank) over the signals that found it; higher is better.",
        0.0328,
    )
    signals = described(
        ma.fields.Nested(HitSignalsSchema),
        "Why it was found: by words, by meaning, or both.",
        {"words": {"rank": 1, "score": 6.0113}, "meaning": {"rank": 1, "similarity": 0.5321}},
    )
    snippets = described(
        ma.fields.List(ma.fields.Nested(SnippetSchema)),
        "Matching passages, matches marked; for a trend found by meaning alone, its passage closest to the query.",
        [],
    )


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
            "url": example_url("/v1/keywords/intelligence-artificielle"),
        },
    )
    labels = described(
        ma.fields.List(ma.fields.String()),
        "Its other labels, searched too (in either language).",
        ["intelligence artificielle", "IA", "machine learning"],
    )


class WordsHitsSchema(Schema):
    hits = described(ma.fields.Integer(), "Hits found by words (every kind).", 2)


class MeaningHitsSchema(Schema):
    ranked = described(
        ma.fields.Integer(),
        f"Trends ranked by meaning, closest first (the {semantic.TOP} closest at most): their ranks count in the fusion.",
        38,
    )
    above_floor = described(ma.fields.Integer(), "Of them, those whose closest passage is at least `floor` close.", 3)
    only_by_meaning = described(
        ma.fields.Integer(), "Hits no word of the query found: trends above the floor, added to the hits by words.", 1
    )
    model = described(ma.fields.String(), "The model that embeds the query and the passages.", semantic.MODEL)
    floor = described(
        ma.fields.Float(),
        "The similarity a trend's closest passage needs for meaning alone to make it a hit: "
        f"{semantic.FLOOR_BESIDE_WORDS} when words of the query (as typed, not relaxed) found hits, {semantic.FLOOR} otherwise.",
        semantic.FLOOR,
    )


class FusionSchema(Schema):
    method = described(ma.fields.String(), "How the signals' rankings are fused.", "reciprocal rank fusion")
    k = described(ma.fields.Integer(), "The fusion's constant: a hit scores 1 / (k + rank) per signal.", 60)


class QuerySignalsSchema(Schema):
    words = described(ma.fields.Nested(WordsHitsSchema), "What words found.", {"hits": 2})
    meaning = described(
        ma.fields.Nested(MeaningHitsSchema, allow_none=True),
        "What meaning found; null for a literal search, or one that asks for no trends.",
        {"ranked": 38, "above_floor": 3, "only_by_meaning": 1, "model": semantic.MODEL, "floor": semantic.FLOOR},
    )
    fusion = described(
        ma.fields.Nested(FusionSchema), "How they are ranked together.", {"method": "reciprocal rank fusion", "k": 60}
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
    ignored = described(
        ma.fields.List(ma.fields.String()),
        "What was typed and not searched: stop words and punctuation. A query of them alone finds nothing "
        "(no hit, not an error).",
        [],
    )
    signals = described(
        ma.fields.Nested(QuerySignalsSchema),
        "What each signal contributed: hits by words, trends by meaning, and how they were fused.",
        {
            "words": {"hits": 2},
            "meaning": {"ranked": 38, "above_floor": 3, "only_by_meaning": 1, "model": semantic.MODEL, "floor": semantic.FLOOR},
            "fusion": {"method": "reciprocal rank fusion", "k": 60},
        },
    )


class SpellingSchema(Schema):
    word = described(ma.fields.String(), "A word of the query (as analysed) that the index does not hold.", "splintrnet")
    suggestions = described(
        ma.fields.List(ma.fields.String()),
        "Words the index holds, closest spelling first (search them as they are).",
        ["splinternet"],
    )


# The documentation's example of a search: the service's own answer to EXAMPLE["url"], recorded
# (tests/search/test_routes.py checks it is still what the service answers).
EXAMPLE = json.loads((Path(__file__).parent / "example.json").read_text(encoding="utf-8"))


class SearchResultSchema(Schema):
    query = described(ma.fields.Nested(ReadQuerySchema), "The query as the service read it.", EXAMPLE["answer"]["query"])
    total = described(ma.fields.Integer(), "Number of hits.", EXAMPLE["answer"]["total"])
    facets = described(ma.fields.Nested(FacetsSchema), "Counts of all hits.", EXAMPLE["answer"]["facets"])
    hits = described(ma.fields.List(ma.fields.Nested(HitSchema)), "This page of hits, best first.", EXAMPLE["answer"]["hits"])
    suggestions = described(
        ma.fields.List(ma.fields.Nested(SpellingSchema)),
        "When nothing was found: for each word of the query the index does not hold, the closest words it holds.",
        [],
    )
