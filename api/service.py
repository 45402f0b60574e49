"""The API's index and its liveness probe."""
import marshmallow as ma
from flask.views import MethodView

from .openapi import Blueprint
from .schemas import described, href

blp = Blueprint("service", __name__, description="The API's index and its health probe.")


class IndexSchema(ma.Schema):
    name = described(ma.fields.String(), "Name of the service.", "Tendances 2021 API")
    documentation = described(
        ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.String()),
        "Where the documentation is.",
        {"swagger_ui": "/docs", "redoc": "/redoc", "openapi": "/openapi.json"},
    )
    resources = described(
        ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.String()),
        "Entry points of the API.",
        {"trends": "/v1/trends", "experts": "/v1/experts", "keywords": "/v1/keywords", "editions": "/v1/editions",
         "search": "/v1/search"},
    )


class HealthSchema(ma.Schema):
    status = described(ma.fields.String(), "Always `ok` when the process answers.", "ok")


@blp.route("/")
class Index(MethodView):
    @blp.doc(operationId="getIndex")
    @blp.response(200, IndexSchema)
    def get(self):
        """API index

        Links to the documentation and to each resource.
        """
        return {
            "name": "Tendances 2021 API",
            "documentation": {"swagger_ui": "/docs", "redoc": "/redoc", "openapi": "/openapi.json"},
            "resources": {name: href(f"/{name}") for name in ("trends", "experts", "keywords", "editions", "search")},
        }


@blp.route("/health")
class Health(MethodView):
    @blp.doc(operationId="getHealth")
    @blp.response(200, HealthSchema)
    def get(self):
        """Liveness probe

        The process is up. Touches nothing else (no database), so it never fails while the
        process runs.
        """
        return {"status": "ok"}
