"""Query strings read stricter than webargs reads them: a parameter that takes one value is given
once, and a page number has a documented maximum."""

from functools import cache

import marshmallow as ma
from webargs.flaskparser import FlaskParser

# The largest page: a client can hold it in a 32-bit integer, and every offset it makes
# ((page - 1) x page_size) fits the integers SQLite and PostgreSQL bind (10**30 would not).
MAX_PAGE = 2**31 - 1


@cache
def instance(schema_class):
    """One instance of an arguments schema for every request: webargs would make one each time
    it is given the class (as flask-smorest gives it), copying every field (a fifth of a small
    request's time). Loading does not change a schema, so threads share it."""
    return schema_class()


class QueryParser(FlaskParser):
    """webargs' parser, refusing ``?page=1&page=2`` (a 422): webargs would keep the first value
    and drop the other silently. List parameters (``?keyword=a&keyword=b``) repeat as before."""

    def parse(self, argmap, req=None, **kwargs):
        if isinstance(argmap, type) and issubclass(argmap, ma.Schema):
            argmap = instance(argmap)
        return super().parse(argmap, req, **kwargs)

    def load_querystring(self, req, schema):
        proxy = super().load_querystring(req, schema)
        names = {field.data_key or name for name, field in schema.fields.items()} - proxy.multiple_keys
        repeated = {name: ["Give this parameter once."] for name in sorted(names) if len(req.args.getlist(name)) > 1}
        if repeated:
            raise ma.ValidationError(repeated)
        return proxy


def page_in_range(pagination_parameters):
    if pagination_parameters.page > MAX_PAGE:
        raise ma.ValidationError({"page": [f"Must be less than or equal to {MAX_PAGE}."]})


class PageParser(QueryParser):
    """The parser of ``page`` and ``page_size``, with ``page`` at most ``MAX_PAGE``
    (flask-smorest's own schema has no maximum)."""

    def parse(self, argmap, req=None, **kwargs):
        return super().parse(argmap, req, validate=page_in_range, **kwargs)
