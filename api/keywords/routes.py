"""Keywords: list with a contains filter, one keyword with its trends and neighbours."""

from flask.views import MethodView

from ..lookups import found
from ..openapi import Blueprint, path_parameter
from ..pagination import page_ids
from . import queries
from .schemas import EMBEDDED_KEYWORDS, EMBEDDED_TRENDS, KeywordDetailSchema, KeywordQueryArgsSchema, KeywordSchema

blp = Blueprint("keywords", __name__, url_prefix="/v1/keywords", description="The report's keyword cloud.")

SLUG = path_parameter("slug", "The keyword's slug.", example="micro-et-nano")


@blp.route("")
class Keywords(MethodView):
    @blp.doc(operationId="listKeywords")
    @blp.arguments(KeywordQueryArgsSchema, location="query", as_kwargs=True)
    @blp.response(200, KeywordSchema(many=True))
    @blp.paginate()
    def get(self, pagination_parameters, sort="term", q=None):
        """List keywords

        The terms of the report's keyword cloud ("Nous allons parler de..."), in French
        alphabetical order or by number of trends. `q` keeps the terms that contain it.
        """
        return queries.items(page_ids(queries.matching(q, sort), pagination_parameters))


@blp.route("/<slug>", parameters=[SLUG])
class KeywordBySlug(MethodView):
    @blp.doc(operationId="getKeyword")
    @blp.response(200, KeywordDetailSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, slug):
        """Get one keyword

        With its trends, strongest link first, each with the passage that shows why, and the
        keywords that share trends with it.
        """
        return found(queries.detail(slug, EMBEDDED_TRENDS, EMBEDDED_KEYWORDS), f"No keyword {slug!r}.")
