"""Experts: list with name and organisation filters, one expert with their trends."""

from flask.views import MethodView

from .. import linked
from ..lookups import found
from ..openapi import Blueprint, path_parameter
from ..pagination import page_ids
from ..search.index import hits_sql
from . import queries
from .schemas import EMBEDDED_TRENDS, ExpertDetailSchema, ExpertQueryArgsSchema, ExpertSchema

blp = Blueprint("experts", __name__, url_prefix="/v1/experts", description="The experts who wrote the trends.")

SLUG = path_parameter("slug", "The expert's slug.", example="nicolas-celic")


@blp.route("")
class Experts(MethodView):
    @blp.doc(operationId="listExperts")
    @blp.arguments(ExpertQueryArgsSchema, location="query", as_kwargs=True)
    @blp.response(200, ExpertSchema(many=True))
    @blp.paginate()
    def get(self, pagination_parameters, sort, q=None, organization=None):
        """List experts

        In French alphabetical order of their names (accents and case aside), or most
        relevant first when `q` is given (full text over names, organisations, roles and bios;
        names weigh most). `organization` keeps one organisation's experts.
        """
        return queries.items(page_ids(expert_listing(sort, q, organization), pagination_parameters))


def expert_listing(sort, q=None, organization=None):
    """The experts the list's parameters keep, in the order they ask (the list, its export)."""
    listing = queries.matching(organization, "name" if sort == "relevance" else sort)
    if q is not None:
        listing.searched(hits_sql(q, ["expert"]), rank=sort == "relevance")
    return listing


@blp.route("/<slug>", parameters=[SLUG])
class ExpertBySlug(MethodView):
    @blp.doc(operationId="getExpert")
    @blp.response(200, ExpertDetailSchema)
    @blp.alt_response(200, **linked.alternative("a schema.org `Person`"))
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, slug):
        """Get one expert

        With their profile links, bio and trends (newest edition first). With `Accept:
        application/ld+json`, a schema.org `Person` (roles as `jobTitle`, profile links as
        `sameAs`, organisation as `affiliation`).
        """
        expert = found(queries.detail(slug, EMBEDDED_TRENDS), f"No expert {slug!r}.")
        return linked.answer(linked.person(ExpertDetailSchema().dump(expert))) if linked.wanted() else expert
