"""The report's trend articles."""

from .routes import blp

__all__ = ["blp"]
