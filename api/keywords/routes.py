"""Keywords: the report's keyword cloud and the thesaurus's concepts; a list with kind and label
filters, one keyword with its trends and neighbours."""

from flask.views import MethodView

from .. import linked
from ..lookups import found
from ..openapi import Blueprint, path_parameter
from ..schemas import public_url
from ..pagination import page_ids
from . import queries
from .schemas import EMBEDDED_KEYWORDS, EMBEDDED_TRENDS, KeywordDetailSchema, KeywordQueryArgsSchema, KeywordSchema

blp = Blueprint(
    "keywords",
    __name__,
    url_prefix="/v1/keywords",
    description=(
        "The report's keyword cloud, and the concepts of a bilingual thesaurus, each linked to the trends about it "
        "or mentioning it."
    ),
)

SLUG = path_parameter("slug", "The keyword's slug.", example="micro-et-nano")


@blp.route("")
class Keywords(MethodView):
    @blp.doc(operationId="listKeywords")
    @blp.arguments(KeywordQueryArgsSchema, location="query", as_kwargs=True)
    @blp.response(200, KeywordSchema(many=True))
    @blp.paginate()
    def get(self, pagination_parameters, sort="term", q=None, kind=None):
        """List keywords

        The terms of the report's keyword cloud ("Nous allons parler de...", kind `cloud`) and
        the concepts of the thesaurus (topics, platforms, practices...), each with its labels in
        French and English, in French alphabetical order or by number of trends. `kind` keeps
        one kind; `q` keeps the keywords one of whose labels holds it, best matches first (fit
        for an autocomplete box).
        """
        return queries.items(page_ids(queries.matching(q, sort, kind), pagination_parameters))


@blp.route("/<slug>", parameters=[SLUG])
class KeywordBySlug(MethodView):
    @blp.doc(operationId="getKeyword")
    @blp.response(200, KeywordDetailSchema)
    @blp.alt_response(200, **linked.alternative("a schema.org `DefinedTerm` that is also a SKOS `Concept`"))
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, slug):
        """Get one keyword

        With its labels and related keywords, its trends (those about it first, then by the
        strength of the link), each with the passage that shows why, and the keywords the same
        trends are about. It also suggests trends close to its concept by meaning that it is not
        linked to (`suggested_trends`, with the passage that is closest): suggestions,
        kept apart from its trends. With `Accept: application/ld+json`, a `DefinedTerm` and SKOS
        `Concept` of the thesaurus (`/v1/thesaurus.jsonld`): labels by language, broader,
        narrower and related concepts.
        """
        keyword = found(queries.detail(slug, EMBEDDED_TRENDS, EMBEDDED_KEYWORDS), f"No keyword {slug!r}.")
        if linked.wanted():
            return linked.answer(linked.concept(public_url.get(), KeywordDetailSchema().dump(keyword)))
        return keyword
