"""Edition schemas."""

import marshmallow as ma

from ..schemas import ApiUrl, described


class EditionSchema(ma.Schema):
    """An edition and what it holds."""

    year = described(ma.fields.Integer(), "Year of the edition.", 2021)
    title = described(ma.fields.String(), "Title of the report.", "Social Media et Marketing Digital : l'avis des experts")
    subtitle = described(ma.fields.String(), "Subtitle of the report.", "Tendances 2021")
    publisher = described(ma.fields.String(), "Who published it.", "Digimind")
    language = described(ma.fields.String(), "Language of the text (ISO 639-1).", "fr")
    editor = described(ma.fields.String(allow_none=True), "Editor in charge.", "Christophe Asselin")
    source_url = described(ma.fields.String(allow_none=True), "Where the report is published, when known.", None)
    trend_count = described(ma.fields.Integer(), "Number of trends.", 38)
    expert_count = described(ma.fields.Integer(), "Number of experts who wrote them.", 35)
    keyword_count = described(ma.fields.Integer(), "Number of keywords linked to its trends.", 41)
    url = described(ApiUrl("/editions/{0.year}"), "The edition in the API.", "/v1/editions/2021")
    trends_url = described(ApiUrl("/trends", edition="{0.year}"), "Its trends, paged.", "/v1/trends?edition=2021")


class EditionDetailSchema(EditionSchema):
    introduction = described(
        ma.fields.List(ma.fields.String()),
        "The report's introduction, paragraph by paragraph.",
        ["Quelles sont les tendances majeures pour le marketing digital, le web et le social media en 2021 ?"],
    )
