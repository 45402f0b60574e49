"""The report's keyword cloud."""

from .routes import blp

__all__ = ["blp"]
