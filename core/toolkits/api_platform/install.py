"""Put the platform on an ApiRegistry: the customer session and the middlewares."""

from __future__ import annotations

from flask import Response

from core.toolkits.api import ApiCall, install_log_masking
from core.toolkits.api_platform.audit import audit_middleware, audited_authenticator
from core.toolkits.api_platform.idempotency import transaction_middleware
from core.toolkits.api_platform.limits import Limit, enforce_all, partner_policy
from core.toolkits.api_platform.sessions import (
    AUTH_KIND,
    authenticate_customer,
    customer_session,
)

WINDOW_SECONDS = 60
LOGGERS = tuple(f"core.toolkits.api_platform.{name}" for name in (
    "audit", "idempotency", "limits", "sessions"))


def rate_limit_middleware(call: ApiCall, proceed) -> Response:
    """Refuse calls beyond the token's and the customer's limits per minute."""
    partner = call.partner
    if partner is None:
        return proceed()
    limits = [Limit(f"tok:{partner.token_id}", partner.rate_limit_per_minute,
                    WINDOW_SECONDS, f"Limite de {partner.rate_limit_per_minute} "
                    "chamadas por minuto do token excedido.")]
    session = customer_session(call)
    if session is not None:
        limit = partner_policy(partner.partner_id).customer_rate_limit_per_minute
        limits.append(Limit(f"cli:{partner.partner_id}:{session.customer_id}", limit,
                            WINDOW_SECONDS, f"Limite de {limit} chamadas por minuto "
                            "para este cliente excedido."))
    enforce_all(limits)
    return proceed()


def install(api) -> None:
    """Add the ``cliente`` caller and the audit, rate and transaction layers.

    Called once per registry, before any plugin adds its routes; a second
    call does nothing.
    """
    if AUTH_KIND in api.auth_kinds:
        return
    api.add_auth_kind(AUTH_KIND, authenticate_customer)
    for name, authenticate in list(api.auth_kinds.items()):
        if name != "none":
            api.auth_kinds[name] = audited_authenticator(authenticate)
    api.add_middleware(audit_middleware)
    api.add_middleware(rate_limit_middleware)
    api.add_middleware(transaction_middleware)
    install_log_masking(*LOGGERS)
