"""Full-text search across trends, experts and keywords.

``syntax`` reads the search box, ``index`` writes and reads the index on both engines,
``snippets`` marks the passages that match, ``results`` builds an answer, ``routes`` and
``schemas`` serve ``GET /v1/search``.
"""

__all__ = ["blp"]


def __getattr__(name):
    # The blueprint loads on first use: api/fields.py reads queries with .syntax and .routes
    # needs api/fields.py, so importing .routes here would make the two import each other.
    if name == "blp":
        from .routes import blp

        return blp
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
