"""Schemathesis extension for this API, loaded through schemathesis.toml's ``hooks``.

Some refusals depend on what a value means, which no JSON Schema can state: search text with
nothing to search (exclusions alone) or too many words (api/search/syntax.py),
``sort=relevance`` without ``q`` (two parameters together), more than 20 keywords once
comma-separated values are split (api/parameters.py), and a keyword that names none of the
report's (api/trends/schemas.py: a slug or a term, case and accents aside, so no enum says it). Schema-valid requests get a documented 422
for them, which schemathesis.toml lets ``positive_data_acceptance`` pass on the operations
concerned. This check takes its place there, narrower: a schema-valid request may be refused
for those reasons only.
"""

import schemathesis

SEARCH_TEXT_ERRORS = ("Nothing to search for:", "A phrase may hold at most", "A query may hold at most")
MAX_TERMS = 20
UNKNOWN_KEYWORD = "No keyword "


def explained(name, messages, query):
    """True when ``messages`` refuse parameter ``name`` for a reason its schema cannot state."""
    if name == "q":
        return all(message.startswith(SEARCH_TEXT_ERRORS) for message in messages)
    if name == "sort":
        return messages == ["sort=relevance needs q."] and "q" not in query
    if name in ("keyword", "exclude_keyword") and all(message.startswith(UNKNOWN_KEYWORD) for message in messages):
        return True
    values = query.get(name)
    values = values if isinstance(values, list) else [values or ""]
    terms = [part for value in values for part in str(value).split(",") if part.strip(" ")]
    return messages == [f"Longer than maximum length {MAX_TERMS}."] and len(terms) > MAX_TERMS


@schemathesis.check
def schema_valid_request_refused_for_meaning_only(ctx, response, case):
    if case.meta is None or not case.meta.generation.mode.is_positive or response.status_code != 422:
        return None
    errors = response.json().get("errors") or {}
    unexplained = {name: messages for name, messages in errors.items() if not explained(name, messages, case.query or {})}
    if unexplained or not errors:
        raise AssertionError(f"Schema-valid parameters refused: {unexplained or response.text}")
    return None
