"""Query-string fields shared by the resources."""
import marshmallow as ma


class TermList(ma.fields.List):
    """A repeatable parameter whose values may also be comma-separated: ``?keyword=a,b&keyword=c``."""

    def _deserialize(self, value, attr, data, **kwargs):
        values = value if isinstance(value, list | tuple) else [value]
        parts = [part.strip() for item in values for part in str(item).split(",") if part.strip()]
        return super()._deserialize(parts, attr, data, **kwargs)


def term_list(description, example):
    return TermList(
        ma.fields.String(validate=ma.validate.Length(min=1, max=200)),
        validate=ma.validate.Length(max=20),
        load_default=list,
        metadata={"description": description, "example": example},
    )


def sort_field(choices, default, description):
    return ma.fields.String(
        load_default=default,
        validate=ma.validate.OneOf(list(choices)),
        metadata={"description": description, "example": default},
    )


def edition_field():
    return ma.fields.Integer(
        validate=ma.validate.Range(min=1900, max=9999),
        metadata={"description": "Year of the edition (default: the latest).", "example": 2021},
    )
