"""Send and check 6-digit codes by e-mail (UC2093), for identification and changes.

A code is drawn with a CSPRNG, stored only as a keyed hash, valid for
``code_minutes`` and used once; a new code voids the previous one of the
same purpose. A customer may ask again only after ``code_resend_seconds``
and at most ``code_sends_per_hour`` times an hour (429). The answer never
contains the code.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import timedelta

from sqlalchemy import func, select, update

from core.domain.cadastre import Customer
from core.extensions import db
from core.toolkits.api import field_error
from core.toolkits.api_platform.clock import local_iso, now_utc, seconds_until
from core.toolkits.api_platform.errors import PROVIDER_UNAVAILABLE
from core.toolkits.api_platform.privacy import keyed_hash, mask_email
from plugins.customer_access import errors as e
from plugins.customer_access import mail
from plugins.customer_access import params as p
from plugins.customer_access.models import VerificationCode


def _hash(customer_id: int, code: str) -> str:
    return keyed_hash(f"{customer_id}:{code}", "email-code")


def _check_pace(customer_id: int, settings: p.AccessParams, now) -> None:
    codes = VerificationCode.__table__.c
    last = db.session.scalar(select(func.max(codes.sent_at))
                             .where(codes.customer_id == customer_id))
    if last is not None and now - last < settings.resend_after:
        allowed = last + settings.resend_after
        raise e.AccessError(
            e.RESEND_TOO_SOON, "Aguarde para pedir um novo código.",
            headers={"Retry-After": str(seconds_until(allowed, now))},
            extra={"reenvio_permitido_em": local_iso(allowed)})
    sent = db.session.scalar(select(func.count()).where(
        codes.customer_id == customer_id, codes.sent_at > now - timedelta(hours=1)))
    if sent >= settings.sends_per_hour:
        raise e.AccessError(
            e.RESEND_TOO_SOON,
            f"Limite de {settings.sends_per_hour} códigos por hora atingido.",
            headers={"Retry-After": "3600"})


def issue_code(customer: Customer, purpose: str, destination: str,
               identification_id: str | None = None) -> dict:
    """Draw, store and e-mail a code; return the 202 answer. Flush only."""
    settings = p.load()
    now = now_utc()
    _check_pace(customer.id, settings, now)
    db.session.execute(
        update(VerificationCode)
        .where(VerificationCode.customer_id == customer.id,
               VerificationCode.purpose == purpose,
               VerificationCode.used_at.is_(None), VerificationCode.voided_at.is_(None))
        .values(voided_at=now))
    code = f"{secrets.randbelow(10**6):06d}"
    row = VerificationCode(
        customer_id=customer.id, identification_id=identification_id, purpose=purpose,
        destination=destination, code_hash=_hash(customer.id, code), sent_at=now,
        expires_at=now + settings.code_for)
    db.session.add(row)
    db.session.flush()
    try:
        mail.send(destination, "customer_access/codigo_validacao",
                  name=customer.name.split()[0].title(), code=code,
                  minutes=int(settings.code_for.total_seconds() // 60))
    except mail.MailUnavailable:
        raise e.AccessError(PROVIDER_UNAVAILABLE, "O serviço de e-mail não está "
                            "disponível; tente novamente em instantes.") from None
    return {"destino_mascarado": mask_email(destination),
            "expira_em": local_iso(row.expires_at),
            "reenvio_permitido_em": local_iso(now + settings.resend_after)}


def _expired() -> e.AccessError:
    return e.AccessError(e.CODE_EXPIRED, "O código expirou ou já foi usado; "
                         "peça um novo código.", field="codigo")


def verify_code(customer_ids: list[int], purpose: str, code: str, *,
                destination: str | None = None,
                identification_id: str | None = None) -> VerificationCode:
    """Check and use the latest code of a purpose; flush only.

    A wrong code counts (committed at once); the ``code_max_attempts``-th
    voids the code.
    """
    query = select(VerificationCode).where(
        VerificationCode.customer_id.in_(customer_ids),
        VerificationCode.purpose == purpose)
    if identification_id is not None:
        query = query.where(VerificationCode.identification_id == identification_id)
    if destination is not None:
        query = query.where(VerificationCode.destination == destination)
    row = db.session.scalar(query.order_by(VerificationCode.id.desc()).limit(1)
                            .with_for_update())
    now = now_utc()
    if row is None or row.used_at or row.voided_at or row.expires_at <= now:
        raise _expired()
    if not hmac.compare_digest(row.code_hash, _hash(row.customer_id, str(code))):
        settings = p.load()
        row.attempts += 1
        remaining = max(0, settings.code_max_attempts - row.attempts)
        if remaining == 0:
            row.voided_at = now
        db.session.commit()
        message = "O código não confere."
        raise e.AccessError(e.CODE_INVALID, message, field="codigo",
                            extra={"tentativas_restantes": remaining},
                            errors=[field_error("codigo", "NAO_CONFERE", message)])
    row.used_at = now
    db.session.flush()
    return row
