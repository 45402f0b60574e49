"""Trends: list with keyword filters, one trend in full, its related trends, and its citation."""

from flask import current_app, request
from flask.views import MethodView

from .. import linked
from ..lookups import Edition, trend_id_or_404
from ..openapi import Blueprint, path_parameter
from ..pipeline import REPRESENTATION_ENVIRON
from ..pagination import page, page_ids
from ..schemas import TrendSummarySchema, example_url, public_url
from ..search.index import hits_sql
from ..search.results import HITS_ORDER, trend_hits
from ..summaries import trend_summaries
from . import citation, queries
from .schemas import CitationSchema, EditionArgsSchema, RelatedTrendSchema, TrendDetailSchema, TrendQueryArgsSchema

blp = Blueprint("trends", __name__, url_prefix="/v1/trends", description="The report's trend articles.")

NUMBER_OR_SLUG = path_parameter(
    "number_or_slug",
    "The trend's number in its edition, or its slug.",
    examples={
        "number": {"value": "13", "summary": "By number"},
        "slug": {"value": "fragmentation-du-monde-et-splinternet", "summary": "By slug"},
    },
)


@blp.route("")
class Trends(MethodView):
    @blp.doc(operationId="listTrends")
    @blp.arguments(TrendQueryArgsSchema, location="query", as_kwargs=True)
    @blp.response(200, TrendSummarySchema(many=True))
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.paginate()
    def get(self, pagination_parameters, keyword, exclude_keyword, match, keyword_grade, sort, literal, q=None, **filters):
        """List trends

        The trends of one edition (the latest by default), in number order, or most relevant
        first when `q` is given: found by its words (title words weigh more than body words) or
        by meaning, the two rankings fused as in /v1/search (`literal=true`: by its words as
        typed alone). `keyword` keeps
        the trends linked to the given keywords (slugs, or any label in French or English,
        case, accents and plurals aside): all of them with `match=all` (the default), at least
        one with `match=any`; `keyword_grade=about` keeps only the trends about them. A
        keyword that names none, in `keyword` or `exclude_keyword`, is a 404 problem naming
        it, with up to three it may have meant.
        `exclude_keyword` leaves trends out; `expert` keeps one expert's.
        """
        found, listing = trend_listing(keyword, exclude_keyword, match, keyword_grade, sort, literal, q, **filters)
        trends = trend_summaries(page_ids(listing, pagination_parameters))
        if not pagination_parameters.item_count:
            found.or_404()  # no trend: is there such an edition at all?
        return trends


def trend_listing(keyword, exclude_keyword, match, keyword_grade, sort, literal, q=None, edition=None, expert=None):
    """``(edition, listing)``: the trends the list's parameters keep, in the order they ask (the
    list of trends, and their export: api/exports.py)."""
    found = Edition(edition)
    listing = queries.matching(
        found,
        keywords=keyword,
        match=match,
        exclude=exclude_keyword,
        expert=expert,
        sort="number" if sort == "relevance" else sort,
        grade=keyword_grade,
    )
    if q is not None:  # by words and by meaning, as /v1/search finds trends; or its words as typed
        if literal:
            listing.searched(hits_sql(q, ["trend"]), rank=sort == "relevance")
        else:
            listing.searched(trend_hits(q, found.or_404().id), rank=sort == "relevance", tiebreak=HITS_ORDER)
    return found, listing


@blp.route("/<number_or_slug>", parameters=[NUMBER_OR_SLUG])
class TrendByNumberOrSlug(MethodView):
    @blp.doc(operationId="getTrend")
    @blp.arguments(EditionArgsSchema, location="query", as_kwargs=True)
    @blp.response(200, TrendDetailSchema)
    @blp.alt_response(200, **linked.alternative("a schema.org `Article`"))
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, number_or_slug, edition=None):
        """Get one trend

        The whole article: sections with their paragraphs and list items (plain text and
        safe HTML), footnotes, links, and its keywords, each with the weight of the link and
        the passage that justifies it. With `Accept: application/ld+json`, a schema.org
        `Article`: its expert the `author`, the keywords it is about its `about`, every keyword
        it names its `keywords` (`DefinedTerm`s), its edition the `Report` it `isPartOf`.
        """
        trend = queries.detail(Edition(edition), number_or_slug)
        return linked.answer(linked.article(public_url.get(), TrendDetailSchema().dump(trend))) if linked.wanted() else trend


@blp.route("/<number_or_slug>/related", parameters=[NUMBER_OR_SLUG])
class RelatedTrends(MethodView):
    @blp.doc(operationId="listRelatedTrends")
    @blp.arguments(EditionArgsSchema, location="query", as_kwargs=True)
    @blp.response(200, RelatedTrendSchema(many=True))
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.paginate()
    def get(self, pagination_parameters, number_or_slug, edition=None):
        """List related trends

        Other trends of the same edition, ranked by the number of keywords they share with
        this one, then, among as many shared keywords, its closest by meaning first (those the
        seed keeps for each trend: `meaning_similarity`), then by how similar their words are.
        Each names the keywords it shares.
        """
        found = Edition(edition)
        trend_id = trend_id_or_404(found, number_or_slug)
        related = page(queries.related(trend_id, found), pagination_parameters, select=queries.RELATED_PAGE)
        return queries.related_trends(trend_id, related)


BIBTEX_EXAMPLE = f"""@incollection{{digimind2021-23,
  author = {{Celic, Nicolas}},
  title = {{{{Des réseaux soucieux}}}},
  booktitle = {{Social Media et Marketing Digital : l'avis des experts, Tendances 2021}},
  editor = {{Asselin, Christophe}},
  publisher = {{Digimind}},
  year = {{2021}},
  chapter = {{23}},
  url = {{{example_url("/v1/trends/des-reseaux-soucieux?edition=2021")}}},
}}
"""
CITATION = "The trend as a reference: CSL-JSON by default, BibTeX when `Accept` prefers it."


@blp.route("/<number_or_slug>/citation", parameters=[NUMBER_OR_SLUG])
class TrendCitation(MethodView):
    @blp.doc(operationId="getTrendCitation")
    @blp.arguments(EditionArgsSchema, location="query", as_kwargs=True)
    @blp.response(200, CitationSchema, content_type=citation.CSL_JSON, description=CITATION)
    @blp.alt_response(
        200,
        schema={"type": "string", "example": BIBTEX_EXAMPLE},
        content_type=citation.BIBTEX,
        description=CITATION,
        success=True,
    )
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, number_or_slug, edition=None):
        """Cite one trend

        The trend as a reference, from its edition's metadata: a chapter of the report, its
        expert as author, the report's editor and publisher, the edition's year, and the
        trend's URL here. CSL-JSON (`application/vnd.citationstyles.csl+json`, which Zotero,
        Pandoc and citeproc read) by default; BibTeX (`application/x-bibtex`,
        `@incollection`) when `Accept` prefers it; `Vary: Accept` says so to caches, and each
        has its own ETag.
        """
        cited = citation.cited(Edition(edition), number_or_slug)
        if request.environ.get(REPRESENTATION_ENVIRON) == citation.BIBTEX:  # as the request path chose
            body, content_type = citation.bibtex(cited), f"{citation.BIBTEX}; charset=utf-8"
        else:
            body, content_type = current_app.json.dumps(CitationSchema().dump(citation.csl(cited))), citation.CSL_JSON
        return current_app.response_class(body, content_type=content_type)  # Vary: Accept, by api/pipeline.py
