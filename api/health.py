"""Probes for orchestrators: is the process alive."""
from flask import Blueprint

blp = Blueprint("health", __name__)


@blp.get("/health")
def health():
    """The process answers; touches nothing else."""
    return {"status": "ok"}
