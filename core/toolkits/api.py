"""The partner web-service toolkit (placeholder until the API lands)."""

from __future__ import annotations


def init_api(app, pm) -> None:
    """Register the partner API blueprint and the plugins' routes."""
