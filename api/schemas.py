"""Schemas shared by several resources: the summaries one resource embeds of another."""
import marshmallow as ma
from flask import request

API_PREFIX = "/v1"


def href(path, **query):
    """A root-relative URL of the API: ``href("/trends/micro-et-nano", edition=2021)``."""
    url = f"{request.script_root}{API_PREFIX}{path}"
    if query:
        url += "?" + "&".join(f"{key}={value}" for key, value in query.items())
    return url


def described(field, description, example):
    """``field`` with the description and example every client-visible field carries."""
    field.metadata.update(description=description, example=example)
    return field


class EditionSummarySchema(ma.Schema):
    year = described(ma.fields.Integer(), "Year of the edition.", 2021)
    title = described(ma.fields.String(), "Title of the report.", "Social Media et Marketing Digital : l'avis des experts")
    url = described(
        ma.fields.Function(lambda edition: href(f"/editions/{edition.year}")), "This edition in the API.", "/v1/editions/2021"
    )


class ExpertSummarySchema(ma.Schema):
    slug = described(ma.fields.String(), "Stable identifier of the expert.", "guillaume-terrien")
    name = described(ma.fields.String(), "Name as the person writes it.", "Guillaume Terrien")
    url = described(
        ma.fields.Function(lambda expert: href(f"/experts/{expert.slug}")), "The expert in the API.", "/v1/experts/guillaume-terrien"
    )


class KeywordSummarySchema(ma.Schema):
    slug = described(ma.fields.String(), "Stable identifier of the keyword.", "micro-et-nano")
    term = described(ma.fields.String(), "The keyword as the report's keyword cloud prints it.", "micro et nano")
    url = described(
        ma.fields.Function(lambda keyword: href(f"/keywords/{keyword.slug}")), "The keyword in the API.", "/v1/keywords/micro-et-nano"
    )


def trend_url(trend):
    return href(f"/trends/{trend.slug}", edition=trend.edition.year)


class TrendSummarySchema(ma.Schema):
    """A trend as lists show it."""

    id = described(ma.fields.Integer(), "Stable numeric id of the trend.", 5)
    number = described(ma.fields.Integer(), "Number of the trend in its edition (#5).", 5)
    slug = described(
        ma.fields.String(), "Stable identifier of the trend within its edition.", "tiktok-b2b-experimentation-obligatoire-en-2021"
    )
    title = described(ma.fields.String(), "Title, as the report prints it.", "TikTok & B2B : expérimentation obligatoire en 2021 !")
    subtitle = described(
        ma.fields.String(allow_none=True), "Subtitle, when the article has one.", "Tendances et conseils pour sortir de la crise"
    )
    excerpt = described(
        ma.fields.String(), "About 300 characters of the article's text.", "Plus d'1,45 milliards de téléchargements « world wide »…"
    )
    word_count = described(ma.fields.Integer(), "Words in the article's text.", 618)
    reading_time_minutes = described(ma.fields.Integer(), "Reading time at 230 words a minute, rounded up.", 3)
    edition = described(ma.fields.Nested(EditionSummarySchema), "The edition the trend belongs to.", {"year": 2021})
    expert = described(
        ma.fields.Nested(ExpertSummarySchema, allow_none=True),
        "The expert who wrote it (null only if the report names no one).",
        {"slug": "guillaume-terrien", "name": "Guillaume Terrien", "url": "/v1/experts/guillaume-terrien"},
    )
    keywords = described(
        ma.fields.List(ma.fields.Nested(KeywordSummarySchema), attribute="keyword_summaries"),
        "Keywords the trend is about, strongest link first.",
        [{"slug": "tiktok-b2b", "term": "TikTok & B2B", "url": "/v1/keywords/tiktok-b2b"}],
    )
    url = described(
        ma.fields.Function(trend_url), "The trend in the API.", "/v1/trends/tiktok-b2b-experimentation-obligatoire-en-2021?edition=2021"
    )


class QueryArgsSchema(ma.Schema):
    """Query arguments are forgiving: unknown ones are ignored."""

    class Meta:
        unknown = ma.EXCLUDE
