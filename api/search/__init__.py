"""Full-text search across trends, experts and keywords.

``syntax`` reads the search box, ``index`` writes and reads the index on both engines,
``snippets`` marks the passages that match, ``results`` builds an answer, ``routes`` and
``schemas`` serve ``GET /v1/search``.
"""
