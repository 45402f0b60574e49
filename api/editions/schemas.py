"""Edition schemas."""

import marshmallow as ma

from ..schemas import ApiUrl, EditionSummarySchema, described, example_url


class EditionSchema(EditionSummarySchema):
    """An edition and what it holds."""

    subtitle = described(ma.fields.String(), "Subtitle of the report.", "Tendances 2021")
    publisher = described(ma.fields.String(), "Who published it.", "Digimind")
    language = described(ma.fields.String(), "Language of the text (ISO 639-1).", "fr")
    editor = described(ma.fields.String(allow_none=True), "Editor in charge.", "Christophe Asselin")
    source_url = described(ma.fields.String(allow_none=True), "Where the report is published, when known.", None)
    trend_count = described(ma.fields.Integer(), "Number of trends.", 38)
    expert_count = described(ma.fields.Integer(), "Number of experts who wrote them.", 35)
    keyword_count = described(ma.fields.Integer(), "Number of keywords linked to its trends.", 289)
    trends_url = described(ApiUrl("/trends", edition="{0.year}"), "Its trends, paged.", example_url("/v1/trends?edition=2021"))


class EditionDetailSchema(EditionSchema):
    introduction = described(
        ma.fields.List(ma.fields.String()),
        "The report's introduction, paragraph by paragraph.",
        ["Quelles sont les tendances majeures pour le marketing digital, le web et le social media en 2021 ?"],
    )
