"""GET /v1/search: hits of every kind, ranked, with snippets and facets."""

from flask.views import MethodView

from ..lookups import edition_or_404
from ..openapi import Blueprint
from . import semantic
from .expansion import expand
from .results import KINDS, results
from .syntax import positive_text
from .schemas import SearchArgsSchema, SearchResultSchema

blp = Blueprint("search", __name__, url_prefix="/v1/search", description="Full-text search.")


@blp.route("")
class Search(MethodView):
    @blp.doc(operationId="search")
    @blp.arguments(SearchArgsSchema, location="query", as_kwargs=True)
    @blp.response(200, SearchResultSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.paginate()
    def get(self, pagination_parameters, q, type, literal, edition=None):
        """Search

        Trends, experts and keywords matching `q`, most relevant first (title words weigh
        more than body words), each with snippets of the passages that match, the matched
        words in `<mark>` and their offsets. French-aware: accents, case, plurals and
        elisions do not matter. `facets` count all hits by type, and trend hits by keyword
        and by expert: every one up to 1,000 hits, those among the 1,000 most relevant
        beyond (`facets.exhaustive` is then false). Words that name a keyword, in French or
        English, also search its other labels (`query.expansions`), and a query that nothing
        matches with every word is answered with any of its words (`query.relaxed`), unless
        `literal` is true. A search that finds nothing suggests, for each word the index does
        not hold, the closest it does (`suggestions`).
        """
        kinds = [kind for kind in KINDS if kind in type] if type else list(KINDS)
        edition_id = edition_or_404(edition).id if edition else None
        page, size = pagination_parameters.page, pagination_parameters.page_size
        search = q if literal else expand(q)
        meaning = None if literal or q.empty else semantic.query_text(positive_text(q.text), search.expansions)
        answered, total, facets, hits, spellings, signals = results(search, kinds, edition_id, page, size, not literal, meaning)
        pagination_parameters.item_count = total
        query = {**answered.describe(), "signals": signals}
        return {"query": query, "total": total, "facets": facets, "hits": hits, "suggestions": spellings}
