"""Full-text search across trends, experts and keywords."""

from .routes import blp

__all__ = ["blp"]
