"""Join, leave, verify and inform self-readings (UC2009-UC2011, UC2030); review.

Commands validate everything first and only flush; the API (or the admin
screen) commits. A second reading inside the window replaces the first
(specs/README.md rule 17): the old row becomes SUBSTITUIDA and loses its
``current`` flag, which a unique constraint keeps to one row per property
and reference. The same value sent again is the same reading: the one
already stored is answered.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from core.clock import get_clock, today
from core.domain.cadastre import Customer, Property
from core.extensions import db
from core.storage import IMAGE_TYPES, StorageError, StoredFile, get_storage
from core.toolkits.api import VALIDATION, ApiError, field_error
from core.toolkits.api_platform.clock import now_utc
from core.toolkits.api_platform.errors import PROPERTY_NOT_FOUND
from plugins.customer_access.emails import notify, on_file_address
from plugins.self_reading import params as p
from plugins.self_reading.cycles import (
    Window,
    coming_window,
    reference_text,
    windows,
)
from plugins.self_reading.eligibility import reasons
from plugins.self_reading.errors import (
    ALREADY_APPLIED,
    ADHESION_ACTIVE,
    ADHESION_MISSING,
    FILE_KINDS,
    NOT_ELIGIBLE,
    OUT_OF_RANGE,
    OUTSIDE_WINDOW,
    PHOTO_REQUIRED,
)
from plugins.self_reading.expected import check_reading
from plugins.self_reading.models import (
    Adhesion,
    Invitation,
    ProtocolCounter,
    SelfReading,
)

log = logging.getLogger(__name__)
PHOTO_ORIGIN = "self_reading_photo"
CURRENT_STATUSES = ("RECEBIDA", "ACEITA", "EM_ANALISE", "APLICADA")
MESSAGES = {
    "DENTRO": "Leitura dentro do esperado.",
    "VIRADA": "O hidrômetro completou uma volta; a leitura está dentro do esperado.",
    "ACIMA": "A leitura parece alta para o consumo do imóvel; confira os números.",
    "ABAIXO": "A leitura parece baixa para o consumo do imóvel; confira os números.",
    "MENOR_QUE_ANTERIOR": "A leitura é menor que a anterior; confira os números.",
}


@dataclass(frozen=True)
class Author:
    """Who acts: the customer (through a partner) and the channel."""

    customer_id: int
    channel: str = "BOT"


def property_by_registration(registration: str) -> Property:
    """Return the property of a matrícula, or 404 IMOVEL_NAO_ENCONTRADO."""
    prop = None
    if registration.isdigit() and len(registration) <= 10:
        prop = db.session.scalar(
            select(Property).where(Property.registration == int(registration))
        )
    if prop is None:
        raise ApiError(PROPERTY_NOT_FOUND, f"Imóvel {registration} não encontrado.")
    return prop


def active_adhesion(prop: Property) -> Adhesion | None:
    """Return the property's ATIVA adhesion, if any."""
    return db.session.scalar(
        select(Adhesion).where(
            Adhesion.property_id == prop.id, Adhesion.active.is_(True)
        )
    )


def _require_adhesion(prop: Property) -> Adhesion:
    adhesion = active_adhesion(prop)
    if adhesion is None:
        raise ApiError(
            ADHESION_MISSING,
            f"O imóvel {prop.registration} não tem adesão ativa à autoleitura.",
        )
    return adhesion


# --- adhesion (UC2009, UC2010) --------------------------------------------------------


def _window_json(window: Window | None) -> dict | None:
    return window.as_json() if window else None


def join(
    prop: Property,
    author: Author,
    accepted_terms,
    contact_email=None,
    contact_phone=None,
) -> dict:
    """Join the property to self-reading (UC2009); flush only."""
    if accepted_terms is not True:
        message = "É preciso aceitar o termo de adesão (aceite_termo: true)."
        raise ApiError(
            VALIDATION,
            message,
            errors=[field_error("aceite_termo", "TERMO_NAO_ACEITO", message)],
        )
    params, day = p.load(), today()
    found = reasons(prop, author.customer_id, params, day)
    if found:
        raise ApiError(
            NOT_ELIGIBLE,
            "O imóvel não pode aderir à autoleitura.",
            extra={"motivos": found},
        )
    if active_adhesion(prop) is not None:
        raise ApiError(ADHESION_ACTIVE, "O imóvel já tem adesão ativa.")
    adhesion = Adhesion(
        property_id=prop.id,
        customer_id=author.customer_id,
        channel=author.channel,
        status="ATIVA",
        active=True,
        joined_at=now_utc(),
        contact_email=contact_email or None,
        contact_phone=contact_phone or None,
    )
    db.session.add(adhesion)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:  # a concurrent join won
        raise ApiError(ADHESION_ACTIVE, "O imóvel já tem adesão ativa.") from None
    db.session.execute(
        update(Invitation)
        .where(Invitation.property_id == prop.id, Invitation.status == "ENVIADO")
        .values(status="ADERIU")
    )
    window = coming_window(prop, params, day)
    _confirm(adhesion, prop, window)
    return {
        "adesao_id": adhesion.id,
        "situacao": "ATIVA",
        "proxima_janela": _window_json(window),
    }


def _confirm(adhesion: Adhesion, prop: Property, window: Window | None) -> None:
    customer = db.session.get(Customer, adhesion.customer_id)
    address = adhesion.contact_email or on_file_address(customer)
    notify(
        address,
        "self_reading/adesao_confirmada",
        name=customer.name.split()[0].title(),
        registration=prop.registration,
        opens=window.opens if window else None,
        closes=window.closes if window else None,
    )


def leave(prop: Property, note: str | None = None, reason: str = "CLIENTE") -> Adhesion:
    """Cancel the property's adhesion (UC2010); flush only.

    A reading already received for the open reference stays and is used.
    """
    adhesion = _require_adhesion(prop)
    adhesion.status, adhesion.active = "CANCELADA", None
    adhesion.cancelled_at, adhesion.cancel_reason = now_utc(), reason
    adhesion.cancel_note = (note or "")[:200] or None
    db.session.flush()
    return adhesion


# --- photos ---------------------------------------------------------------------------


def store_photo(prop: Property, data: bytes, filename: str | None) -> StoredFile:
    """Keep a meter photo (JPEG or PNG) of the property; flush only."""
    params = p.load()
    try:
        return get_storage().save(
            data,
            origin_table=PHOTO_ORIGIN,
            origin_id=prop.registration,
            original_name=filename,
            allowed_types=IMAGE_TYPES,
            max_bytes=params.photo_max_bytes,
        )
    except StorageError as exc:
        raise ApiError(FILE_KINDS[exc.status], exc.message) from None


def find_photo(prop: Property, photo_id) -> StoredFile:
    """Return a photo uploaded for this property, or refuse the id."""
    row = db.session.get(StoredFile, photo_id) if isinstance(photo_id, int) else None
    if (
        row is None
        or row.origin_table != PHOTO_ORIGIN
        or row.origin_id != str(prop.registration)
    ):
        message = "Foto não encontrada para este imóvel; envie-a em /autoleitura/fotos."
        raise ApiError(
            VALIDATION,
            message,
            errors=[field_error("arquivo_id", "NAO_ENCONTRADO", message)],
        )
    return row


# --- verify and inform (UC2030, UC2011) -----------------------------------------------


def reading_window(prop: Property, params: p.SelfReadingParams, day) -> Window | None:
    """Return the window open today, if any."""
    return next((w for w in windows(prop, params, day) if w.is_open(day)), None)


def _reference(prop: Property, params, day) -> int:
    window = reading_window(prop, params, day) or coming_window(prop, params, day)
    if window is not None:
        return window.reference
    return day.year * 100 + day.month


def verify(prop: Property, raw) -> dict:
    """Check and classify a reading without storing anything (UC2030)."""
    params, day = p.load(), today()
    check = check_reading(prop, raw, _reference(prop, params, day))
    return {
        "valida_formato": True,
        "classificacao": check.classification,
        "consumo_estimado_m3": check.consumption_m3,
        "exige_foto": params.photo_required,
        "mensagem": MESSAGES[check.classification],
    }


def _answer(row: SelfReading) -> dict:
    return {
        "protocolo": row.protocol,
        "referencia": reference_text(row.reference_month),
        "leitura": row.value,
        "consumo_estimado_m3": row.consumption_m3,
        "classificacao": row.classification,
        "situacao": row.status,
    }


def next_protocol(day) -> str:
    """Draw the next protocol of the day: ``AL`` + AAAAMMDD + 5 digits."""
    key = day.strftime("%Y%m%d")
    counter = ProtocolCounter.__table__.c
    bump = (
        update(ProtocolCounter)
        .where(counter.day == key)
        .values(last=counter.last + 1)
        .returning(counter.last)
    )
    number = db.session.execute(bump).scalar()
    if number is None:
        try:
            with db.session.begin_nested():
                db.session.add(ProtocolCounter(day=key, last=1))
            number = 1
        except IntegrityError:  # another request created the day's counter
            number = db.session.execute(bump).scalar()
    return f"AL{key}{number:05d}"


def current_reading(prop: Property, reference: int) -> SelfReading | None:
    """Return the property's current reading of a reference."""
    return db.session.scalar(
        select(SelfReading).where(
            SelfReading.property_id == prop.id,
            SelfReading.reference_month == reference,
            SelfReading.current.is_(True),
        )
    )


def _open_window(prop: Property, params, day) -> Window:
    window = reading_window(prop, params, day)
    if window is None:
        shown = coming_window(prop, params, day)
        extra = (
            {"abre_em": shown.opens.isoformat(), "fecha_em": shown.closes.isoformat()}
            if shown
            else {}
        )
        raise ApiError(
            OUTSIDE_WINDOW, "A janela de autoleitura não está aberta.", extra=extra
        )
    return window


def inform(prop: Property, author: Author, raw, photo, store=None) -> tuple[dict, int]:
    """Store the customer's reading of the open window (UC2011); flush only.

    ``photo`` is a StoredFile, or what ``store(prop, photo)`` stores once
    every check passed. Return (answer, 201), or (the stored answer, 200)
    for a value already current. An IntegrityError means a concurrent
    reading won the race.
    """
    params, day = p.load(), today()
    adhesion = _require_adhesion(prop)
    window = _open_window(prop, params, day)
    check = check_reading(prop, raw, window.reference)
    if params.photo_required and photo is None:
        raise ApiError(PHOTO_REQUIRED, "Envie a foto do hidrômetro com a leitura.")
    status = "ACEITA" if check.accepted else "EM_ANALISE"
    if not check.accepted and params.out_of_range_policy == p.REJECT:
        raise ApiError(
            OUT_OF_RANGE,
            MESSAGES[check.classification],
            extra={"classificacao": check.classification},
        )
    existing = current_reading(prop, window.reference)
    if existing is not None and existing.value == check.value:
        return _answer(existing), 200
    if existing is not None and existing.status == "APLICADA":
        # The core's informed reading already holds it (and a bill may too):
        # a replacement would leave the two disagreeing.
        raise ApiError(
            ALREADY_APPLIED,
            f"A leitura {existing.value} (protocolo {existing.protocol}) já foi "
            "aplicada ao faturamento do mês e não pode ser substituída.",
            extra={"protocolo": existing.protocol},
        )
    if existing is not None:
        existing.current, existing.status = None, "SUBSTITUIDA"
        db.session.flush()
    photo = store(prop, photo) if store and photo is not None else photo
    row = SelfReading(
        adhesion_id=adhesion.id,
        property_id=prop.id,
        reference_month=window.reference,
        value=check.value,
        informed_at=now_utc(),
        channel=author.channel,
        photo_id=photo.id if photo else None,
        previous_reading=check.previous,
        range_low=check.range_low,
        range_high=check.range_high,
        consumption_m3=check.consumption_m3,
        classification=check.classification,
        status=status,
        current=True,
        protocol=next_protocol(day),
    )
    db.session.add(row)
    db.session.flush()
    return _answer(row), 201


def informed_day(row: SelfReading):
    """Return the local date a reading was informed."""
    aware = row.informed_at.replace(tzinfo=UTC)
    return aware.astimezone(get_clock().tz).date()


# --- review by staff ------------------------------------------------------------------


class ReviewError(ValueError):
    """A review refused: the reading is not waiting for analysis."""


def review(
    row: SelfReading, accept: bool, user: str | None, note: str | None = None
) -> SelfReading:
    """Accept or reject a reading held for analysis; flush only."""
    if row.status != "EM_ANALISE" or not row.current:
        raise ReviewError(f"A leitura {row.protocol} não está em análise.")
    row.status = "ACEITA" if accept else "REJEITADA"
    if not accept:
        row.current = None
    row.reviewed_by, row.reviewed_at = user, now_utc()
    row.review_note = (note or "")[:200] or None
    db.session.flush()
    return row
