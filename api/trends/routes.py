"""Trends: list with keyword filters, one trend in full, and its related trends."""

from flask.views import MethodView

from ..db import get_or_404
from ..editions.routes import edition_or_404
from ..search.index import filter_by_search
from ..models import Keyword, Trend, attach_keywords
from ..openapi import Blueprint
from ..pagination import page_of
from ..schemas import TrendSummarySchema
from .schemas import EditionArgsSchema, RelatedTrendSchema, TrendDetailSchema, TrendQueryArgsSchema

blp = Blueprint("trends", __name__, url_prefix="/v1/trends", description="The report's trend articles.")

NUMBER_OR_SLUG = {
    "in": "path",
    "name": "number_or_slug",
    "description": "The trend's number in its edition, or its slug.",
    "schema": {"type": "string", "minLength": 1},
    "examples": {
        "number": {"value": "13", "summary": "By number"},
        "slug": {"value": "fragmentation-du-monde-et-splinternet", "summary": "By slug"},
    },
}


def trend_or_404(number_or_slug, year):
    edition = edition_or_404(year)
    return get_or_404(Trend.by_number_or_slug(edition, number_or_slug), f"No trend {number_or_slug!r} in edition {edition.year}.")


@blp.route("")
class Trends(MethodView):
    @blp.doc(operationId="listTrends")
    @blp.arguments(TrendQueryArgsSchema, location="query", as_kwargs=True)
    @blp.response(200, TrendSummarySchema(many=True))
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.paginate()
    def get(self, pagination_parameters, keyword, exclude_keyword, match, sort, q=None, edition=None, expert=None):
        """List trends

        The trends of one edition (the latest by default), in number order, or most relevant
        first when `q` is given (title words weigh more than body words). `keyword` keeps
        the trends about the given keywords (slugs or terms, case and accents aside): all of
        them with `match=all` (the default), at least one with `match=any`. An unknown keyword
        matches nothing. `exclude_keyword` leaves trends out; `expert` keeps one expert's.
        """
        query = Trend.matching(
            edition_or_404(edition),
            keywords=Keyword.ids_for(keyword),
            match=match,
            exclude=Keyword.ids_for(exclude_keyword),
            expert=expert,
            sort="number" if sort == "relevance" else sort,
        )
        if q is not None:
            query = filter_by_search(query, Trend, q, "trend", rank=sort == "relevance")
        return attach_keywords(page_of(query, pagination_parameters, rows=Trend.listing()))


@blp.route("/<number_or_slug>", parameters=[NUMBER_OR_SLUG])
class TrendByNumberOrSlug(MethodView):
    @blp.doc(operationId="getTrend")
    @blp.arguments(EditionArgsSchema, location="query", as_kwargs=True)
    @blp.response(200, TrendDetailSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, number_or_slug, edition=None):
        """Get one trend

        The whole article: sections with their paragraphs and list items (plain text and
        safe HTML), footnotes, links, and its keywords, each with the weight of the link and
        the passage that justifies it.
        """
        return trend_or_404(number_or_slug, edition).load_details()


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
        this one, then by how similar their texts are. Each names the keywords it shares.
        """
        trend = trend_or_404(number_or_slug, edition)
        mine = {keyword.id for keyword in attach_keywords([trend])[0].keyword_summaries}
        related = attach_keywords(page_of(Trend.related_to(trend), pagination_parameters))
        for other in related:
            other.shared_keywords = [k for k in other.keyword_summaries if k.id in mine]
        return related
