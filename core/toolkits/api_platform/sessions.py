"""Let a partner act for a customer through a short-lived session (§2.3).

Identification (a plugin's business) proves who the customer is and calls
:func:`open_session`; the partner then sends ``X-Cliente-Sessao: cs_…``
on customer-scoped routes, declared with ``auth="cliente"``. A path naming
another customer or property answers 404, never 403, so a bot cannot probe
other people's data.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import request
from sqlalchemy import select, update

from core.extensions import db
from core.toolkits.api import ApiCall, ApiError, authenticate_partner
from core.toolkits.api_models import CHANNELS
from core.toolkits.api_platform.clock import local_iso, now_utc
from core.toolkits.api_platform.errors import (
    CUSTOMER_NOT_FOUND,
    PROPERTY_NOT_FOUND,
    SESSION_EXPIRED,
    SESSION_REQUIRED,
)
from core.toolkits.api_platform.models import CustomerSession

SESSION_HEADER = "X-Cliente-Sessao"
CHANNEL_HEADER = "X-Canal"
TOKEN_PATTERN = re.compile(r"cs_[A-Za-z0-9_-]{43}")
SESSION_EXTRA = "sessao_cliente"
TOUCH_EVERY = timedelta(seconds=60)
AUTH_KIND = "cliente"


@dataclass(frozen=True)
class SessionInfo:
    """What a customer-scoped handler knows about the session it serves."""

    id: int
    customer_id: int
    registrations: tuple[str, ...]
    factors: tuple[str, ...]
    channel: str
    expires_at: datetime


@dataclass(frozen=True)
class OpenedSession:
    """A new session: ``token`` is the only copy of its plain text."""

    token: str = field(repr=False)
    info: SessionInfo

    def as_json(self) -> dict:
        """Return the ``sessao`` member of the identification answers."""
        return {
            "token": self.token,
            "expira_em": local_iso(self.info.expires_at),
            "cliente_id": self.info.customer_id,
            "imoveis": list(self.info.registrations),
        }


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def _expiry(row: CustomerSession) -> datetime:
    return min(row.expires_at, row.last_seen_at + timedelta(minutes=row.idle_minutes))


def _info(row: CustomerSession) -> SessionInfo:
    return SessionInfo(row.id, row.customer_id, tuple(row.registration_list()),
                       tuple(row.factors.split()), row.channel, _expiry(row))


def open_session(
    partner_id: int,
    customer_id: int,
    registrations: list[str],
    factors: list[str],
    channel: str,
    idle_minutes: int = 30,
    absolute_minutes: int = 240,
) -> OpenedSession:
    """Create a customer session and return its token; the caller commits."""
    now = now_utc()
    token = "cs_" + secrets.token_urlsafe(32)
    row = CustomerSession(
        token_hash=_token_hash(token), partner_id=partner_id,
        customer_id=customer_id, registrations=" ".join(registrations),
        factors=" ".join(factors), channel=channel, created_at=now,
        last_seen_at=now, idle_minutes=idle_minutes,
        expires_at=now + timedelta(minutes=absolute_minutes),
    )
    db.session.add(row)
    db.session.flush()
    return OpenedSession(token, _info(row))


def channel_of(call: ApiCall) -> str:
    """Return the call's channel: a valid ``X-Canal``, else the partner's."""
    sent = request.headers.get(CHANNEL_HEADER, "").strip().upper()
    if sent in CHANNELS:
        return sent
    return call.partner.partner_channel if call.partner else "BOT"


def _touch(row: CustomerSession, now: datetime) -> None:
    if now - row.last_seen_at < TOUCH_EVERY:
        return
    db.session.execute(update(CustomerSession).where(CustomerSession.id == row.id)
                       .values(last_seen_at=now))
    db.session.commit()


def authenticate_customer(call: ApiCall) -> None:
    """Check the partner's token, then its ``X-Cliente-Sessao`` for the customer."""
    authenticate_partner(call)
    token = request.headers.get(SESSION_HEADER, "").strip()
    if not token:
        raise ApiError(SESSION_REQUIRED, "Envie a sessão do cliente no cabeçalho "
                       f"{SESSION_HEADER} (obtida na identificação).")
    row = None
    if TOKEN_PATTERN.fullmatch(token):
        row = db.session.scalar(select(CustomerSession).where(
            CustomerSession.token_hash == _token_hash(token)))
    now = now_utc()
    if (row is None or row.partner_id != call.partner.partner_id
            or row.revoked_at is not None or _expiry(row) <= now):
        raise ApiError(SESSION_EXPIRED, "A sessão do cliente expirou ou não existe; "
                       "identifique o cliente novamente.")
    call.extras[SESSION_EXTRA] = _info(row)
    _touch(row, now)


def customer_session(call: ApiCall) -> SessionInfo | None:
    """Return the call's customer session, if it carries one."""
    return call.extras.get(SESSION_EXTRA)


def require_customer(call: ApiCall, customer_id: int | str) -> SessionInfo:
    """Return the session when the path's customer is its own, else 404."""
    info = customer_session(call)
    if info is None or str(customer_id) != str(info.customer_id):
        raise ApiError(CUSTOMER_NOT_FOUND, f"Cliente {customer_id} não encontrado.")
    return info


def require_property(call: ApiCall, registration: str) -> SessionInfo:
    """Return the session when the path's matrícula is one of its own, else 404."""
    info = customer_session(call)
    if info is None or registration not in info.registrations:
        raise ApiError(PROPERTY_NOT_FOUND, f"Imóvel {registration} não encontrado.")
    return info


def revoke_customer_sessions(customer_id: int, keep: int | None = None) -> int:
    """Revoke the customer's open sessions but ``keep``; flush only."""
    statement = (update(CustomerSession)
                 .where(CustomerSession.customer_id == customer_id,
                        CustomerSession.revoked_at.is_(None))
                 .values(revoked_at=now_utc()))
    if keep is not None:
        statement = statement.where(CustomerSession.id != keep)
    return db.session.execute(statement).rowcount
