"""The core's own partner API endpoints, registered on the ApiRegistry."""

from __future__ import annotations


def register_core_routes(api) -> None:
    """Add the core's routes: the property lookup and the OpenAPI document."""
    from core.api import openapi, properties
    from core.toolkits.api_platform import install

    install(api)  # sessions, audit, rate limits, idempotency: before any route
    properties.register(api)
    openapi.register(api)
