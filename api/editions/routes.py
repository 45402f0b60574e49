"""Editions: the yearly reports and their counts."""

from flask.views import MethodView

from .. import linked
from ..lookups import MAX_YEAR, found
from ..openapi import Blueprint, path_parameter
from ..pagination import page_ids
from . import queries
from .schemas import EditionDetailSchema, EditionSchema

blp = Blueprint("editions", __name__, url_prefix="/v1/editions", description="Yearly editions of the report.")

YEAR = path_parameter("year", "Year of the edition.", {"type": "integer", "minimum": 1900, "maximum": 9999}, example=2021)


@blp.route("")
class Editions(MethodView):
    @blp.doc(operationId="listEditions")
    @blp.response(200, EditionSchema(many=True))
    @blp.paginate()
    def get(self, pagination_parameters):
        """List editions

        Newest first, each with its number of trends, experts and keywords.
        """
        return queries.items(page_ids(queries.newest_first(), pagination_parameters))


@blp.route("/<int:year>", parameters=[YEAR])
class EditionByYear(MethodView):
    @blp.doc(operationId="getEdition")
    @blp.response(200, EditionDetailSchema)
    @blp.alt_response(200, **linked.alternative("a schema.org `Report`"))
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, year):
        """Get one edition

        The report's metadata, introduction and counts. With `Accept: application/ld+json`, a
        schema.org `Report` (publisher, editor, year, language, its introduction as `abstract`).
        """
        edition = found(queries.detail(year) if year <= MAX_YEAR else None, f"No edition {year}.")
        return linked.answer(linked.report(EditionDetailSchema().dump(edition))) if linked.wanted() else edition
