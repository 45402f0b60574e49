"""Yearly editions of the report."""

from .routes import blp

__all__ = ["blp"]
