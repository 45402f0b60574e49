"""Schemas shared by several resources: the summaries one resource embeds of another (as
api/summaries.py declares them), which each resource's own schemas extend."""

import string
from contextvars import ContextVar
from operator import attrgetter
from urllib.parse import quote_plus

import marshmallow as ma

from .serialization import Schema

API_PREFIX = "/v1"
EMBEDDED_TRENDS = 100  # trends an expert's or keyword's detail embeds; all of them at trends_url
# What every URL the API writes starts with: the PUBLIC_URL setting (api/config.py), never the
# request's Host. The request path sets it for each request (api/pipeline.py, step 1); a read
# outside a request is a LookupError, not a relative URL.
public_url = ContextVar("public_url")
EXAMPLE_URL = "http://127.0.0.1:8000"  # PUBLIC_URL by default, as the docs' examples show it


def href(path, **query):
    """The absolute URL of ``path`` in the API: ``href("/trends/micro-et-nano", edition=2021)``,
    the query as ``urlencode`` writes it."""
    url = f"{public_url.get()}{API_PREFIX}{path}"
    return f"{url}?{'&'.join(f'{key}={quote_plus(str(value))}' for key, value in query.items())}" if query else url


def example_url(path):
    """``path`` as the docs show it: under the default ``PUBLIC_URL``."""
    return f"{EXAMPLE_URL}{path}"


class ApiUrl(ma.fields.Function):
    """The URL of a resource in the API, from a template over the object:
    ``ApiUrl("/trends/{0.slug}", edition="{0.edition.year}")``, as :func:`href` writes it.
    Documented as a string."""

    def __init__(self, template, **query):
        path = compiled(f"{API_PREFIX}{template}")
        parameters = [(f"{key}=", compiled(value)) for key, value in query.items()]

        def url(obj):  # lists embed thousands of these: no more work than joining their parts
            if not parameters:
                return f"{public_url.get()}{path(obj)}"
            return f"{public_url.get()}{path(obj)}?" + "&".join(f"{key}{quote_plus(value(obj))}" for key, value in parameters)

        super().__init__(url)


def compiled(template):
    """A function of ``obj`` writing ``template`` (``"/trends/{0.slug}"``) as ``template.format(obj)``
    does, its fields read by ``attrgetter`` once parsed (``str.format`` parses it each time)."""
    parts = []
    for literal, field, spec, conversion in string.Formatter().parse(template):
        if literal:
            parts.append(literal)
        if field is not None:
            if not field.startswith("0.") or spec or conversion:
                raise ValueError(f"{template!r}: only {{0.attribute}} fields are supported")
            parts.append(attrgetter(field[2:]))
    if len(parts) == 2 and isinstance(parts[0], str) and callable(parts[1]):
        prefix, read = parts
        return lambda obj: f"{prefix}{read(obj)}"
    return lambda obj: "".join(part if isinstance(part, str) else f"{part(obj)}" for part in parts)


class Rounded(ma.fields.Float):
    """A float rounded to ``places`` decimals."""

    def __init__(self, places=4, **kwargs):
        super().__init__(**kwargs)
        self.places = places

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else round(float(value), self.places)


def described(field, description, example, required=True):
    """A field of an answer, with the description and example every field a client sees
    carries; ``required`` (the default) when the answer always has it."""
    field.required = required
    field.metadata.update(description=description, example=example)
    return field


def by_name(values=None):
    """A JSON object of values (texts unless ``values`` says) by name."""
    return ma.fields.Dict(keys=ma.fields.String(), values=values or ma.fields.String())


class EditionSummarySchema(Schema):
    year = described(ma.fields.Integer(), "Year of the edition.", 2021)
    title = described(ma.fields.String(), "Title of the report.", "Social Media et Marketing Digital : l'avis des experts")
    url = described(ApiUrl("/editions/{0.year}"), "This edition in the API.", example_url("/v1/editions/2021"))


class WeightedLinkSchema(Schema):
    """How strongly a trend is about a keyword, where it says so, and the passage that shows it."""

    weight = described(
        ma.fields.Float(),
        "Strength of the link, 0 to 1: 1 when the title holds the keyword, less for a heading or the body.",
        1.0,
    )
    location = described(
        ma.fields.String(validate=ma.validate.OneOf(["title", "subtitle", "heading", "body"])),
        "Where the evidence was found.",
        "title",
    )
    evidence = described(
        ma.fields.String(), "The passage that shows why the trend is about the keyword.", "Fragmentation du monde et Splinternet"
    )
    grade = described(
        ma.fields.String(validate=ma.validate.OneOf(["about", "mention"])),
        "`about` when the trend is about the keyword (a title, subtitle or heading names it, or the text does "
        "often); `mention` when the text names it meaningfully but the trend is about something else.",
        "about",
    )


class ExpertSummarySchema(Schema):
    slug = described(ma.fields.String(), "Stable identifier of the expert.", "guillaume-terrien")
    name = described(ma.fields.String(), "Name as the person writes it.", "Guillaume Terrien")
    url = described(ApiUrl("/experts/{0.slug}"), "The expert in the API.", example_url("/v1/experts/guillaume-terrien"))


class KeywordSummarySchema(Schema):
    slug = described(ma.fields.String(), "Stable identifier of the keyword.", "micro-et-nano")
    term = described(
        ma.fields.String(),
        "The keyword in French: as the report's keyword cloud prints it, or the thesaurus's label.",
        "micro et nano",
    )
    url = described(ApiUrl("/keywords/{0.slug}"), "The keyword in the API.", example_url("/v1/keywords/micro-et-nano"))


def trend_url(trend):
    """A trend's URL: slugs are unique within an edition, so the URL names it."""
    return href(f"/trends/{trend.slug}", edition=trend.edition.year)


class TrendSummarySchema(Schema):
    """A trend as lists show it."""

    id = described(ma.fields.Integer(), "Stable numeric id of the trend.", 5)
    number = described(ma.fields.Integer(), "Number of the trend in its edition (#5).", 5)
    slug = described(
        ma.fields.String(), "Stable identifier of the trend within its edition.", "tiktok-b2b-experimentation-obligatoire-en-2021"
    )
    title = described(
        ma.fields.String(), "Title, as the report prints it.", "TikTok & B2B : expérimentation obligatoire en 2021 !"
    )
    subtitle = described(ma.fields.String(allow_none=True), "Subtitle, when the article has one (#5 has none).", None)
    excerpt = described(
        ma.fields.String(),
        "About 300 characters of the article's text.",
        "Plus d'1,45 milliards de téléchargements « world wide »…",
    )
    word_count = described(ma.fields.Integer(), "Words in the article's text.", 618)
    reading_time_minutes = described(ma.fields.Integer(), "Reading time at 230 words a minute, rounded up.", 3)
    edition = described(
        ma.fields.Nested(EditionSummarySchema),
        "The edition the trend belongs to.",
        {
            "year": 2021,
            "title": "Social Media et Marketing Digital : l'avis des experts",
            "url": example_url("/v1/editions/2021"),
        },
    )
    expert = described(
        ma.fields.Nested(ExpertSummarySchema),
        "The expert who wrote it: every trend has one (the seed refuses an article nothing signs).",
        {"slug": "guillaume-terrien", "name": "Guillaume Terrien", "url": example_url("/v1/experts/guillaume-terrien")},
    )
    keywords = described(
        ma.fields.List(ma.fields.Nested(KeywordSummarySchema)),
        "Keywords the trend is about, strongest link first.",
        [{"slug": "tiktok-b2b", "term": "TikTok & B2B", "url": example_url("/v1/keywords/tiktok-b2b")}],
    )
    url = described(
        ApiUrl("/trends/{0.slug}", edition="{0.edition.year}"),
        "The trend in the API.",
        example_url("/v1/trends/tiktok-b2b-experimentation-obligatoire-en-2021?edition=2021"),
    )
