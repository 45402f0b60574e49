"""How answers become JSON: schemas that dump along a plan, and orjson behind Flask's JSON.

A list of 20 trends is some 400 field values. marshmallow looks each one up and converts it
through three or four calls, and ``json.dumps`` then walks the result again: together about a
fifth of a cold trends page (0.44 of 1.9 ms, in process). So:

- :class:`Schema`, the base of every answer's schema, makes a plan once from its declared fields
  and dumps along it: a value that is already what marshmallow would give (a ``str`` for a
  String, an ``int`` for an Integer, ``None``...) is taken as it is, a nested object goes to its
  own schema's plan, a URL to its function; objects are read by attribute, dicts by key.
  Anything else (another field class, a subclass that converts, a value of another type, a
  missing attribute or key, another kind of mapping) goes through marshmallow's own
  ``Field.serialize``, so the answer is always the one marshmallow gives
  (tests/test_serialization.py compares them on every operation's answers);
- :class:`JSONProvider` writes JSON with orjson (Flask's documented hook), as compact UTF-8 as
  before, and leaves anything it is asked with options (``indent``: the OpenAPI document) to
  Flask's own.
"""

import marshmallow as ma
import orjson
from flask.json.provider import DefaultJSONProvider
from marshmallow.utils import missing

# Field classes whose dump of a value of these exact types is the value itself.
PLAIN = {
    ma.fields.String: (str,),
    ma.fields.Integer: (int,),
    ma.fields.Float: (float,),
    ma.fields.Boolean: (bool,),
}


def plain_types(field):
    """The types a field dumps unchanged, or None if it is not such a field (or converts them)."""
    kind = type(field)
    for base, types in PLAIN.items():
        if issubclass(kind, base) and kind._serialize is base._serialize and not getattr(field, "as_string", False):
            return types
    return None


def is_nested(field):
    return isinstance(field, ma.fields.Nested) and type(field)._serialize is ma.fields.Nested._serialize


def is_function(field):
    return isinstance(field, ma.fields.Function) and type(field)._serialize is ma.fields.Function._serialize


def attribute_of(obj, name, default):
    return getattr(obj, name, default)


def key_of(obj, name, default):
    return obj.get(name, default)


def value_writer(schema, name, field, fetch=attribute_of):
    """A function of an object giving the value ``field`` dumps for it, or ``missing``: what
    ``field.serialize`` gives, with fewer steps where that is safe. ``fetch`` reads a value as
    marshmallow's accessor would: an attribute (of an object that is not a mapping), or a key
    (of a dict, for names that are not also a dict's attributes)."""
    attribute = field.attribute or name

    def by_marshmallow(obj):
        return field.serialize(name, obj, accessor=schema.get_attribute)

    if type(field).serialize is not ma.fields.Field.serialize or type(field).get_value is not ma.fields.Field.get_value:
        return by_marshmallow
    if is_function(field):
        return field.serialize_func
    if "." in attribute or (fetch is key_of and hasattr(dict, attribute)):
        return by_marshmallow  # a path through objects, or a key missing from a dict: marshmallow's accessor
    types = plain_types(field)
    if types is not None:

        def plain(obj):
            value = fetch(obj, attribute, missing)
            return value if value is None or type(value) in types else by_marshmallow(obj)

        return plain
    if is_nested(field):

        def nested(obj):
            value = fetch(obj, attribute, missing)
            if value is None or value is missing:
                return None if value is None else by_marshmallow(obj)
            schema = field.schema
            return schema.dump(value, many=schema.many or field.many)

        return nested
    if type(field) is ma.fields.List and is_nested(field.inner):
        inner = field.inner

        def nested_list(obj):
            value = fetch(obj, attribute, missing)
            if value is None or value is missing:
                return None if value is None else by_marshmallow(obj)
            schema = inner.schema
            many = schema.many or inner.many
            return [None if each is None else schema.dump(each, many=many) for each in value]

        return nested_list
    if type(field) is ma.fields.List and plain_types(field.inner) is not None:
        inner_types = plain_types(field.inner)

        def plain_list(obj):
            value = fetch(obj, attribute, missing)
            if type(value) is list and all(each is None or type(each) in inner_types for each in value):
                return list(value)
            return by_marshmallow(obj)

        return plain_list
    return by_marshmallow


class Schema(ma.Schema):
    """marshmallow's Schema, dumping along a plan made from its fields the first time (see the
    module's doc). A schema with dump hooks, its own attribute getter or another dict class
    dumps as marshmallow does."""

    def dump(self, obj, *, many=None):
        write = self.__dict__.get("writer") or self.make_writer()
        many = self.many if many is None else bool(many)
        if many and obj is not None:
            return [write(each) for each in obj]
        return write(obj)

    def make_writer(self):
        cls = type(self)
        hooked = any(hasattr(getattr(cls, name, None), "__marshmallow_hook__") for name in dir(cls))
        if hooked or cls.get_attribute is not ma.Schema.get_attribute or self.dict_class is not dict:
            self.writer = lambda obj: ma.Schema.dump(self, obj, many=False)
            return self.writer
        object_steps, dict_steps = (
            [
                (field.data_key if field.data_key is not None else name, value_writer(self, name, field, fetch))
                for name, field in self.dump_fields.items()
            ]
            for fetch in (attribute_of, key_of)
        )

        def write(obj):
            if type(obj) is dict:
                steps = dict_steps
            elif hasattr(obj, "__getitem__"):  # another mapping (or a sequence): marshmallow's accessor
                return ma.Schema.dump(self, obj, many=False)
            else:
                steps = object_steps
            answer = {key: value_of(obj) for key, value_of in steps}
            if missing in answer.values():
                answer = {key: value for key, value in answer.items() if value is not missing}
            return answer

        self.writer = write
        return write


class JSONProvider(DefaultJSONProvider):
    """Flask's JSON provider writing with orjson: compact UTF-8, keys in the order given, dates
    and dataclasses as Flask writes them (through its ``default``). A dump asked with other options
    (``indent``...), or of what orjson cannot write (keys that are not strings, integers past 64
    bits), is Flask's own (compact too, unless indented)."""

    ensure_ascii, sort_keys, compact = False, False, True

    def dumps(self, obj, **kwargs):
        if "indent" not in kwargs:
            kwargs.setdefault("separators", COMPACT)
        if kwargs == {"separators": COMPACT}:
            try:
                return orjson.dumps(obj, default=self.default, option=PASSTHROUGH).decode()
            except TypeError:
                pass
        return super().dumps(obj, **kwargs)


COMPACT = (",", ":")  # as Flask's response() asks when ``compact`` is True
PASSTHROUGH = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
