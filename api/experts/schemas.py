"""Expert schemas."""

import marshmallow as ma

from ..parameters import QueryArgsSchema, RelevanceSortMixin, Text, search_field, sort_field
from ..schemas import EMBEDDED_TRENDS, ApiUrl, ExpertSummarySchema, TrendSummarySchema, described, example_url
from ..serialization import Schema
from .queries import SORTS


class ExpertQueryArgsSchema(RelevanceSortMixin, QueryArgsSchema):
    DEFAULT_SORT = "name"
    q = search_field(
        "Keep the experts whose name (weighing most), organisation, roles or bio match, most relevant first.",
        "digimind",
    )
    organization = Text(
        metadata={
            "description": "Keep the experts of this organisation (whole name, accents and case aside).",
            "example": "Digimind",
        }
    )
    sort = sort_field(
        [*SORTS, "relevance"],
        "Order: `name` (French order, accents and case aside), `-name`, `-trend_count`, or `relevance` "
        "(by `q`; without `q`, `name`). Default: `relevance` with `q`, else `name`.",
    )


class ProfileLinkSchema(Schema):
    kind = described(
        ma.fields.String(validate=ma.validate.OneOf(["twitter", "linkedin", "instagram", "website"])),
        "What the link points at.",
        "linkedin",
    )
    url = described(ma.fields.String(), "The profile's address.", "https://www.linkedin.com/in/guillaume-terrien-41941637/")


class ExpertSchema(ExpertSummarySchema):
    """An expert as lists show them."""

    id = described(ma.fields.Integer(), "Stable numeric id of the expert.", 5)
    name_original = described(ma.fields.String(), "Name as the report's expert block prints it.", "Guillaume TERRIEN")
    roles = described(ma.fields.List(ma.fields.String()), "Job titles, as printed.", ["Fondateur de World Digital People"])
    organization = described(ma.fields.String(allow_none=True), "Organisation, when the report names one.", "Digimind")
    links = described(
        ma.fields.List(ma.fields.Nested(ProfileLinkSchema)),
        "Profile links.",
        [{"kind": "linkedin", "url": "https://www.linkedin.com/in/guillaume-terrien-41941637/"}],
    )
    trend_count = described(ma.fields.Integer(), "Number of trends the expert wrote.", 1)


class ExpertDetailSchema(ExpertSchema):
    """An expert with their bio and trends."""

    bio = described(
        ma.fields.List(ma.fields.String()),
        "Short bio paragraphs the report prints after their articles.",
        ["Anthony est Formateur / Mentor en Communication d'influence & Social Marketing"],
    )
    bio_html = described(
        ma.fields.List(ma.fields.String()),
        "The same paragraphs as safe HTML, with their emphasis and links (as a block's `html`), one per `bio` paragraph.",
        ["Anthony est Formateur / Mentor en Communication d'influence &amp; Social Marketing"],
    )
    trends = described(
        ma.fields.List(ma.fields.Nested(TrendSummarySchema)),
        f"Their trends, newest edition first (at most {EMBEDDED_TRENDS}; all of them at trends_url).",
        [],
    )
    trends_url = described(
        ApiUrl("/trends", expert="{0.slug}"), "All their trends, paged.", example_url("/v1/trends?expert=nicolas-celic")
    )
