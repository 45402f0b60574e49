"""The linked data's own resources: the JSON-LD context every document names, and the
thesaurus as a SKOS ``ConceptScheme`` (api/linked.py makes the documents)."""

from flask import current_app
from flask.views import MethodView

from .keywords import queries as keyword_queries
from .keywords.schemas import KeywordSchema
from .linked import CONTEXT, LD_JSON, answer, scheme
from .openapi import Blueprint
from .pagination import all_ids
from .schemas import public_url

blp = Blueprint("linked", __name__, url_prefix="/v1", description="The report as linked data (JSON-LD).")


@blp.route("/context.jsonld")
class Context(MethodView):
    @blp.doc(operationId="getJsonLdContext")
    @blp.response(200, {"type": "object", "additionalProperties": True}, content_type=LD_JSON, example={"@context": CONTEXT})
    def get(self):
        """The JSON-LD context

        What the terms of the API's JSON-LD documents mean: schema.org's vocabulary, SKOS's
        for labels and relations between concepts. Every document names it by URL; served
        here, so that expanding a document needs nothing but this service.
        """
        return current_app.response_class(current_app.json.dumps({"@context": CONTEXT}), content_type=LD_JSON)


@blp.route("/thesaurus.jsonld")
class Thesaurus(MethodView):
    @blp.doc(operationId="getThesaurus")
    @blp.response(200, {"type": "object", "additionalProperties": True}, content_type=LD_JSON)
    def get(self):
        """The thesaurus as SKOS

        Every keyword, the report's cloud and the thesaurus's concepts, as one SKOS
        `ConceptScheme` (also a schema.org `DefinedTermSet`) in JSON-LD: each concept with its
        preferred and alternative labels by language, its broader, narrower and related
        concepts; those with no broader one are its top concepts.
        """
        keywords = keyword_queries.items(list(all_ids(keyword_queries.matching(None, "term", None))))
        return answer(scheme(public_url.get(), KeywordSchema().dump(keywords, many=True)))
