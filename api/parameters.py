"""Query parameters: how a query string is read (webargs, stricter), the fields the resources'
arguments are made of, and the schema they start from.

A parameter that takes one value is given once (``page`` and ``page_size``: api/pagination.py); text
has a length and no control characters; a search box's text is parsed (api/search/syntax.py);
list parameters repeat or take commas. A parameter an operation does not take is a 422 naming
it, with the closest one it takes (:func:`unknown_parameters`, checked on the request path).

A 422 means the spec's own rules are broken (a range, a length, a choice, control characters,
a repeated single value): every request the spec allows is answered. What the spec cannot say
is answered, not refused: a query with nothing to search finds nothing and says what it
ignored, ``sort=relevance`` without ``q`` is the default order, and a keyword the report lacks
is not found (404), like any resource.
"""

import difflib
import re
from functools import cache, lru_cache

import marshmallow as ma
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header
from webargs.flaskparser import FlaskParser
from webargs.multidictproxy import MultiDictProxy

from .search.syntax import parse_query

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
        """The query string as webargs reads it (lists for list parameters, one value for the
        others), from a plain dict: werkzeug's MultiDict raises, and webargs builds, an
        exception for each parameter a request leaves out."""
        lists, singles = parameter_names(schema)
        values, repeated = {}, {}
        for name, given in req.args.lists():
            values[name] = given if name in lists else given[0]
            if len(given) > 1 and name in singles:
                repeated[name] = ["Give this parameter once."]
        if repeated:
            raise ma.ValidationError(dict(sorted(repeated.items())))
        return MultiDictProxy(values, schema)


@cache
def parameter_names(schema):
    """The names of ``schema``'s list parameters, and of the others."""
    lists = MultiDictProxy({}, schema).multiple_keys
    return lists, {field.data_key or name for name, field in schema.fields.items()} - lists


def operations(spec, url_map):
    """``(endpoint, operation)`` for each GET of ``url_map`` that the OpenAPI document (``spec``,
    as a dict) holds: the docs' pages are not in it."""
    for rule in url_map.iter_rules():
        template = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        operation = spec["paths"].get(template, {}).get("get")
        if operation is not None:
            yield rule.endpoint, operation


def known_parameters(spec, url_map):
    """``{endpoint: names}``: the query parameters the OpenAPI document says each GET takes. An
    endpoint the document does not hold is left out: its parameters are not checked."""
    known = {}
    for endpoint, operation in operations(spec, url_map):
        parameters = [p for p in operation.get("parameters", []) if isinstance(p, dict) and p.get("in") == "query"]
        known[endpoint] = frozenset(p["name"] for p in parameters)
    return known


def negotiated(spec, url_map):
    """``{endpoint: media types}`` of each GET that answers in more than one, as ``Accept``
    chooses (a trend's citation: CSL-JSON or BibTeX; a trend as JSON or JSON-LD), the one it
    answers by default first (as the document lists them): their answers vary on it."""
    answers = ((endpoint, operation["responses"].get("200", {})) for endpoint, operation in operations(spec, url_map))
    return {endpoint: tuple(answer["content"]) for endpoint, answer in answers if len(answer.get("content", {})) > 1}


def chosen(accept, types):
    """The one of ``types`` an ``Accept`` header value prefers; the first (the default) when it
    names none of them: an API that answers whatever ``Accept`` says, never a 406. A type with
    the ``+json`` suffix is JSON (RFC 6839): ``application/json`` asks for it where plain JSON is
    not offered (CSL-JSON, for a citation). Clients send few distinct headers: the choices of
    short ones are remembered (``MAX_REMEMBERED_ACCEPT`` characters, 1,024 of them)."""
    if not accept:
        return types[0]
    if len(accept) <= MAX_REMEMBERED_ACCEPT:
        return remembered_choice(accept, types)
    return choice(accept, types)


MAX_REMEMBERED_ACCEPT = 256


@lru_cache(maxsize=1024)
def remembered_choice(accept, types):
    return choice(accept, types)


def choice(accept, types):
    suffixed = next((media for media in types if media.endswith("+json")), None)
    candidates = types if suffixed is None or JSON in types else (*types, JSON)
    best = parse_accept_header(accept, MIMEAccept).best_match(candidates) or types[0]
    return suffixed if best == JSON and JSON not in types else best


JSON = "application/json"


MAX_UNKNOWN = 20  # unknown parameters a problem names, at most (a URL may hold thousands)


def unknown_parameters(names, known):
    """``{name: [message]}`` for each of ``names`` not ``known`` (the first ``MAX_UNKNOWN``, in
    name order), with the closest known name."""
    errors = {}
    for name in sorted(set(names) - known)[:MAX_UNKNOWN]:
        close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
        hint = f'Did you mean "{close[0]}"?' if close else f"Known: {', '.join(sorted(known)) or 'none'}."
        errors[name[:MAX_TEXT]] = [f"Unknown parameter. {hint}"]
    return errors


MAX_TEXT = 200
MAX_QUERY = 500


# What printable() accepts, as the spec says it (ECMA-262): any text without a character of
# Unicode category Cc (U+0000-U+001F, U+007F-U+009F). Clients and fuzzers then know the rule.
PRINTABLE_PATTERN = r"^[^\u0000-\u001F\u007F-\u009F]*$"


PRINTABLE = re.compile(PRINTABLE_PATTERN)


def printable(text):
    """Refuse control characters (NUL, escape sequences...): no text the API serves has them.
    The rule is the pattern the spec publishes (``fullmatch``: Python's ``$`` would also match
    before a final newline, ECMA-262's does not)."""
    if PRINTABLE.fullmatch(text) is None:
        raise ma.ValidationError("Must not contain control characters.")


class Text(ma.fields.String):
    """A short piece of text: 1 to ``MAX_TEXT`` characters, no control characters."""

    def __init__(self, *, max_length=MAX_TEXT, **kwargs):
        kwargs.setdefault("metadata", {})["pattern"] = PRINTABLE_PATTERN
        super().__init__(validate=[ma.validate.Length(min=1, max=max_length), printable], **kwargs)


class SearchText(ma.fields.String):
    """A search box's text, read into a :class:`search.syntax.ParsedQuery` (what cannot be
    searched is ignored and said so, never refused)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("metadata", {}).update(minLength=1, maxLength=MAX_QUERY, pattern=PRINTABLE_PATTERN)
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        ma.validate.Length(min=1, max=MAX_QUERY)(text)
        printable(text)
        return parse_query(text)


def search_field(description, example, **kwargs):
    return SearchText(
        **kwargs,
        metadata={
            "description": f'{description} Syntax: words are all required; `"a phrase"`; '
            "`-word` excludes; `word OR other`; `pref*` matches the start of words. Accents, case, "
            "plurals and elisions (l', d') do not matter.",
            "example": example,
        },
    )


def literal_field(more=""):
    """``literal``: the words of ``q`` as typed, nothing else."""
    return ma.fields.Boolean(
        load_default=False,
        metadata={
            "description": "`true`: search the words exactly as typed, without the other labels of the keywords "
            f"they name, without meaning{f', {more}' if more else ''} (default `false`).",
            "example": False,
        },
    )


MAX_TERMS = 20


class TermList(ma.fields.List):
    """A repeatable parameter whose values may also be comma-separated: ``?keyword=a,b&keyword=c``.
    The limits are the spec's, on the values as sent (at most :data:`MAX_TERMS` of them, each of
    at most :data:`MAX_TEXT` characters, so 2,000 names at most); an empty value is refused, as
    an empty text parameter is (``?keyword=``)."""

    def _deserialize(self, value, attr, data, **kwargs):
        values = value if isinstance(value, list | tuple) else [value]
        ma.validate.Length(max=MAX_TERMS)(values)
        if "" in values:
            raise ma.ValidationError("Must not be empty; leave the parameter out instead.")
        for item in values:
            ma.validate.Length(max=MAX_TEXT)(str(item))
        # Spaces around commas go; other characters stay, so a control character is refused.
        parts = [part.strip(" ") for item in values for part in str(item).split(",") if part.strip(" ")]
        if not parts:  # "?keyword=," names nothing, like "?keyword="
            raise ma.ValidationError("Must not be empty; leave the parameter out instead.")
        return super()._deserialize(list(dict.fromkeys(parts)), attr, data, **kwargs)


def term_list(description, example, choices=None):
    item = ma.fields.String(validate=ma.validate.OneOf(choices)) if choices else Text()
    return TermList(
        item,
        load_default=list,
        metadata={
            "description": f"{description} At most {MAX_TERMS} values; a value may name several, comma-separated.",
            "example": example,
            "maxItems": MAX_TERMS,
        },
    )


def sort_field(choices, description):
    return ma.fields.String(
        validate=ma.validate.OneOf(list(choices)),
        metadata={"description": description, "example": list(choices)[0]},
    )


def edition_field(description="Year of the edition (default: the latest)."):
    return ma.fields.Integer(
        validate=ma.validate.Range(min=1900, max=9999), metadata={"description": description, "example": 2021}
    )


class RelevanceSortMixin:
    """Without ``sort``, relevance when ``q`` is given, else the schema's ``DEFAULT_SORT``.
    ``sort=relevance`` without ``q`` is that order too: with nothing searched, every item is as
    relevant as the next (a search page can keep its sort when the box is emptied)."""

    DEFAULT_SORT = None

    @ma.post_load
    def default_sort(self, data, **kwargs):
        data.setdefault("sort", "relevance" if data.get("q") is not None else self.DEFAULT_SORT)
        return data


class QueryArgsSchema(ma.Schema):
    """What the arguments of every operation start from: unknown parameters are ignored."""

    class Meta:
        unknown = ma.EXCLUDE
