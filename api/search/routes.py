"""GET /v1/search: hits of every kind, ranked, with snippets and facets."""

from flask.views import MethodView

from ..editions.routes import edition_or_404
from ..openapi import Blueprint
from .results import KINDS, facets, page_hits, type_counts
from .schemas import SearchArgsSchema, SearchResultSchema

blp = Blueprint("search", __name__, url_prefix="/v1/search", description="Full-text search.")


@blp.route("")
class Search(MethodView):
    @blp.doc(operationId="search")
    @blp.arguments(SearchArgsSchema, location="query", as_kwargs=True)
    @blp.response(200, SearchResultSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.paginate()
    def get(self, pagination_parameters, q, type, edition=None):
        """Search

        Trends, experts and keywords matching `q`, most relevant first (title words weigh
        more than body words), each with snippets of the passages that match, the matched
        words in `<mark>` and their offsets. French-aware: accents, case, plurals and
        elisions do not matter. `facets` count all hits by type, and trend hits by keyword
        and by expert.
        """
        kinds = [kind for kind in KINDS if kind in type] if type else list(KINDS)
        edition_id = edition_or_404(edition).id if edition else None
        counts = type_counts(q, kinds, edition_id)
        total = pagination_parameters.item_count = sum(counts.values())
        page, size = pagination_parameters.page, pagination_parameters.page_size
        hits = page_hits(q, kinds, edition_id, page, size) if (page - 1) * size < total else []
        return {"query": q.describe(), "total": total, "facets": facets(q, edition_id, counts), "hits": hits}
