"""Editions: the yearly reports and their counts."""

from flask.views import MethodView
from flask_smorest import abort

from ..models import Edition
from ..openapi import Blueprint
from ..pagination import page_of
from .schemas import EditionDetailSchema, EditionSchema

blp = Blueprint("editions", __name__, url_prefix="/v1/editions", description="Yearly editions of the report.")

YEAR = {
    "in": "path",
    "name": "year",
    "description": "Year of the edition.",
    "schema": {"type": "integer", "minimum": 1900, "maximum": 9999},
    "example": 2021,
}


def edition_or_404(year=None):
    """The edition of ``year``, or the latest; a 404 problem when there is none."""
    edition = Edition.for_year(year)
    if edition is None:
        abort(404, message=f"No edition {year}." if year else "No edition has been seeded yet.")
    return edition


@blp.route("")
class Editions(MethodView):
    @blp.doc(operationId="listEditions")
    @blp.response(200, EditionSchema(many=True))
    @blp.paginate()
    def get(self, pagination_parameters):
        """List editions

        Newest first, each with its number of trends, experts and keywords.
        """
        return page_of(Edition.with_counts(), pagination_parameters)


@blp.route("/<int:year>", parameters=[YEAR])
class EditionByYear(MethodView):
    @blp.doc(operationId="getEdition")
    @blp.response(200, EditionDetailSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, year):
        """Get one edition

        The report's metadata, introduction and counts.
        """
        edition = Edition.with_counts().where(Edition.year == year).first() if year <= 9999 else None
        if edition is None:
            abort(404, message=f"No edition {year}.")
        return edition
