"""Trend schemas: query arguments, the detail, related trends."""

import marshmallow as ma
from flask_smorest import abort

from ..parameters import (
    MAX_UNKNOWN,
    QueryArgsSchema,
    RelevanceSortMixin,
    Text,
    edition_field,
    literal_field,
    search_field,
    sort_field,
    term_list,
)
from ..schemas import (
    example_url,
    ApiUrl,
    KeywordSummarySchema,
    Rounded,
    TrendSummarySchema,
    WeightedLinkSchema,
    described,
)
from ..search.semantic import FLOOR, NEIGHBOURS
from ..serialization import Schema
from ..keywords.queries import resolve
from .queries import SORTS


class TrendQueryArgsSchema(RelevanceSortMixin, QueryArgsSchema):
    DEFAULT_SORT = "number"
    q = search_field(
        "Keep the trends this query finds, as /v1/search finds them: by its words (and the other labels, French or "
        "English, of the keywords they name), or by meaning (a trend no word finds, whose closest passage is at least "
        f"{FLOOR} close to the query), most relevant first (the two rankings fused).",
        "réseaux sociaux -tiktok",
    )
    literal = literal_field()
    keyword = term_list(
        "Keep trends linked to these keywords: a slug, or any label of the keyword, French or English, "
        "preferred or alternative (`IA`, `AI`, `artificial intelligence`), case, accents and plurals aside. "
        "Repeat the parameter or separate values with commas.",
        ["influence-marketing", "artificial intelligence"],
    )
    keyword_grade = ma.fields.String(
        load_default="any",
        validate=ma.validate.OneOf(["any", "about"]),
        metadata={
            "description": "`any` (the default): trends about the keywords or mentioning them; `about`: only "
            "those about them (a title, subtitle or heading names them, or the text does often).",
            "example": "about",
        },
    )
    match = ma.fields.String(
        load_default="all",
        validate=ma.validate.OneOf(["all", "any"]),
        metadata={"description": "`all`: trends with every keyword; `any`: with at least one.", "example": "any"},
    )
    exclude_keyword = term_list("Leave out trends linked to these keywords (about them or mentioning them).", ["splinternet"])
    expert = Text(metadata={"description": "Keep the trends of this expert (slug).", "example": "camille-jourdain"})
    edition = edition_field()
    sort = sort_field(
        [*SORTS, "relevance"],
        "Order: `number`, `title` (French order: accents and case aside), `-` reverses; `relevance` "
        "(by `q`; without `q`, `number`). Default: `relevance` with `q`, else `number`.",
    )

    @ma.post_load
    def resolve_keywords(self, data, **kwargs):
        """``keyword`` and ``exclude_keyword`` come out as keyword ids; a name that names none is a
        404 (the keyword is not found, as ``/v1/keywords/{slug}`` would not find it: the value is
        well formed), its ``errors`` naming each such value with the keywords it may have meant."""
        names = ("keyword", "exclude_keyword")
        resolved, unknown = resolve([value for name in names for value in data.get(name, [])])
        errors, named = {}, 0
        for name in names:
            for value in data.get(name, []):
                if value in unknown and named < MAX_UNKNOWN:
                    suggested, named = unknown[value], named + 1
                    hint = f" Did you mean: {', '.join(suggested)}?" if suggested else " See /v1/keywords."
                    errors.setdefault(name, []).append(f'No keyword "{value}".{hint}')
        if unknown:
            first = errors[next(iter(errors))][0]
            detail = first if len(unknown) == 1 else f"{len(unknown)} keywords name none of the report's; see errors."
            abort(404, message=detail, errors=errors)
        return {**data, **{name: [resolved[value] for value in data.get(name, [])] for name in names}}


class EditionArgsSchema(QueryArgsSchema):
    edition = edition_field()


class BlockSchema(Schema):
    kind = described(
        ma.fields.String(validate=ma.validate.OneOf(["paragraph", "bullet", "numbered"])),
        "`paragraph`, or an item of a `bullet` or `numbered` list.",
        "paragraph",
    )
    number = described(ma.fields.Integer(allow_none=True), "The number of a `numbered` item.", None)
    text = described(ma.fields.String(), "Plain text.", "L'année 2020 a été celle de l'avènement de TikTok.")
    html = described(
        ma.fields.String(),
        "The same text as safe HTML: <strong>, <em>, <a href>, <sup>, <br>; everything else escaped.",
        "L'année 2020 a été celle de l'avènement de <strong>TikTok</strong>.",
    )


class SectionSchema(Schema):
    heading = described(
        ma.fields.String(allow_none=True),
        "Heading of the section; null for the article's opening.",
        "L'attention : la quête du graal !",
    )
    heading_html = described(
        ma.fields.String(allow_none=True),
        "The heading as safe HTML, with its emphasis and links (as a block's `html`); null with `heading`.",
        "<strong>L'attention : la quête du graal !</strong>",
    )
    level = described(ma.fields.Integer(), "2 for a section of the article, 3 for a sub-section.", 2)
    blocks = described(ma.fields.List(ma.fields.Nested(BlockSchema)), "Paragraphs and list items, in order.", [])


class FootnoteSchema(Schema):
    number = described(ma.fields.Integer(), "The footnote's number, as cited in the text: (1).", 1)
    text = described(ma.fields.String(), "The footnote.", "Etude CSA pour LinkedIn France mars 2020")
    html = described(
        ma.fields.String(),
        "The footnote as safe HTML, with its emphasis and links (as a block's `html`).",
        "Etude CSA pour LinkedIn France mars 2020",
    )
    urls = described(ma.fields.List(ma.fields.String()), "Web addresses it cites.", ["https://bit.ly/2ZJAx4o"])


class LinkSchema(Schema):
    text = described(ma.fields.String(), "The linked words.", "marconomy.de")
    url = described(ma.fields.String(), "Where they point.", "https://www.marconomy.de")


class TrendKeywordSchema(WeightedLinkSchema, KeywordSummarySchema):
    """A keyword of a trend, with the strength and evidence of the link."""


class TrendDetailSchema(TrendSummarySchema):
    """A trend with its whole text."""

    keywords = described(
        ma.fields.List(ma.fields.Nested(TrendKeywordSchema)),
        "Every keyword the trend names: those it is about first, then those it mentions, strongest link first, "
        "each with its grade and evidence.",
        [],
    )
    sections = described(
        ma.fields.List(ma.fields.Nested(SectionSchema)),
        "The article's text, section by section.",
        [],
    )
    plain_text = described(ma.fields.String(), "The article's text without markup.", "Plus d'1,45 milliards de téléchargements…")
    footnotes = described(ma.fields.List(ma.fields.Nested(FootnoteSchema)), "Footnotes, with the addresses they cite.", [])
    links = described(ma.fields.List(ma.fields.Nested(LinkSchema)), "Links in the text.", [])
    image_credit = described(
        ma.fields.String(allow_none=True),
        "Credit of the article's illustration, when printed.",
        '© from Series "Re:Birth" par Thomas Olliver',
    )
    related_url = described(
        ApiUrl("/trends/{0.slug}/related", edition="{0.edition.year}"),
        "Trends related to this one.",
        example_url("/v1/trends/micro-et-nano/related?edition=2021"),
    )


class RelatedTrendSchema(TrendSummarySchema):
    shared_keywords = described(
        ma.fields.List(ma.fields.Nested(KeywordSummarySchema)),
        "Keywords both trends are about.",
        [{"slug": "influence-marketing", "term": "influence marketing", "url": example_url("/v1/keywords/influence-marketing")}],
    )
    similarity = described(Rounded(4), "Cosine similarity of the two texts' distinctive words, 0 to 1.", 0.1342)
    meaning_similarity = described(
        Rounded(4, allow_none=True),
        "How close the two trends are by meaning: the cosine of the means of their passages' vectors (the "
        "multilingual model search uses), -1 to 1. Null when this trend is not among the "
        f"{NEIGHBOURS} closest to the other by meaning.",
        0.7715,
    )


def csl(field, name, description, example, required=True):
    """A CSL-JSON variable: its name as CSL writes it (``container-title``), read from the item by that name."""
    field.data_key = field.attribute = name
    return described(field, description, example, required)


class CitationNameSchema(Schema):
    """A person as CSL-JSON names one."""

    family = csl(ma.fields.String(), "family", "Family name: the name's last word.", "Celic", required=False)
    given = csl(ma.fields.String(), "given", "Given names: the name's other words.", "Nicolas", required=False)
    literal = csl(
        ma.fields.String(), "literal", "A name of one word, as it is (instead of family and given).", "Digimind", required=False
    )


def names(name, description, example):
    """A CSL-JSON list of people (``author``, ``editor``), absent when there is none."""
    family, given = example
    field = ma.fields.List(ma.fields.Nested(CitationNameSchema))
    return csl(field, name, description, [{"family": family, "given": given}], required=False)


class CitationDateSchema(Schema):
    date_parts = csl(
        ma.fields.List(ma.fields.List(ma.fields.Integer())), "date-parts", "The date as CSL-JSON writes it: [[year]].", [[2021]]
    )


class CitationSchema(Schema):
    """A trend as a reference to cite: one CSL-JSON item (Citation Style Language 1.0.2), a
    chapter of its edition's report."""

    id = csl(ma.fields.String(), "id", "The item's id: the trend's slug and its edition's year.", "des-reseaux-soucieux-2021")
    type = csl(ma.fields.String(), "type", "Always `chapter`: a trend is a chapter of its edition's report.", "chapter")
    title = csl(ma.fields.String(), "title", "The trend's title.", "Des réseaux soucieux")
    container_title = csl(
        ma.fields.String(),
        "container-title",
        "The report's title and subtitle.",
        "Social Media et Marketing Digital : l'avis des experts, Tendances 2021",
    )
    publisher = csl(ma.fields.String(), "publisher", "The report's publisher.", "Digimind")
    issued = csl(ma.fields.Nested(CitationDateSchema), "issued", "The edition's year.", {"date-parts": [[2021]]})
    chapter_number = csl(ma.fields.String(), "chapter-number", "The trend's number in its edition.", "23")
    language = csl(ma.fields.String(), "language", "The report's language (BCP 47).", "fr")
    url = csl(ma.fields.String(), "URL", "The trend in this API.", example_url("/v1/trends/des-reseaux-soucieux?edition=2021"))
    author = names("author", "The trend's expert. Absent when the report names none for it.", ("Celic", "Nicolas"))
    editor = names("editor", "The report's editor, when the edition names one.", ("Asselin", "Christophe"))
