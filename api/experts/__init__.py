"""The experts who wrote the trends."""

from .routes import blp

__all__ = ["blp"]
