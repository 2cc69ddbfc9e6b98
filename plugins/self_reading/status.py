"""Read-only answers of self-reading: properties, schedule, window, status.

UC2021 lists the customer's properties; UC2020 the reader's planned dates;
UC2029 the customer's window; UC2028 all of it in one sentence-ready
object. Nothing here writes.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from core.clock import today
from core.domain import billing as b
from core.domain import metering as m
from core.domain.cadastre import Property
from core.extensions import db
from core.toolkits.api import ApiError
from core.toolkits.api_platform.clock import local_iso
from plugins.customer_access.identify import linked_registrations
from plugins.self_reading import params as p
from plugins.self_reading.commands import (
    CURRENT_STATUSES,
    active_adhesion,
    current_reading,
)
from plugins.self_reading.cycles import (
    Window,
    coming_window,
    current_reference,
    cycle_window,
    group_of,
    reference_text,
    schedules_from,
    window_of,
)
from plugins.self_reading.eligibility import grace_until, reasons
from plugins.self_reading.errors import ADHESION_MISSING, NO_SCHEDULE
from plugins.self_reading.models import Adhesion, SelfReading

CYCLE_OF_STATUS = {
    "RECEBIDA": "LEITURA_RECEBIDA",
    "ACEITA": "LEITURA_RECEBIDA",
    "EM_ANALISE": "EM_ANALISE",
    "APLICADA": "APLICADA",
}


def _adhesion_json(adhesion: Adhesion | None, with_channel: bool = False):
    if adhesion is None:
        return None
    answer = {
        "situacao": adhesion.status,
        "desde": adhesion.joined_at.date().isoformat(),
    }
    if with_channel:
        answer["canal"] = adhesion.channel
    return answer


def _address(prop: Property) -> str:
    parts = [prop.street or "", prop.number or "s/n"]
    text = ", ".join(part for part in parts if part)
    return f"{text} - {prop.district}" if prop.district else text


# --- UC2021 --------------------------------------------------------------------------


def customer_properties(
    customer_id: int, only_joined: bool = False
) -> list[tuple[int, dict]]:
    """Describe every property the customer is linked to, with its link order."""
    params, day = p.load(), today()
    items = []
    for position, registration in enumerate(linked_registrations([customer_id])):
        prop = db.session.scalar(
            select(Property).where(Property.registration == int(registration))
        )
        adhesion = active_adhesion(prop)
        if only_joined and adhesion is None:
            continue
        found = reasons(prop, customer_id, params, day)
        window = None if found else coming_window(prop, params, day)
        items.append(
            (
                position,
                {
                    "matricula": registration,
                    "endereco_abreviado": _address(prop),
                    "elegivel": not found,
                    "motivos": found,
                    "adesao": _adhesion_json(adhesion),
                    "janela_atual": {
                        "abre_em": window.opens.isoformat(),
                        "fecha_em": window.closes.isoformat(),
                    }
                    if window
                    else None,
                },
            )
        )
    return items


# --- UC2020 --------------------------------------------------------------------------


def _read_on(prop: Property, reference: int) -> date | None:
    return db.session.scalar(
        select(m.Reading.informed_date).where(
            m.Reading.property_id == prop.id,
            m.Reading.reference_month == reference,
            m.Reading.measurement_type == "water",
        )
    )


def reading_schedule(prop: Property) -> dict:
    """Return the group's planned reading dates from the current reference on."""
    group = group_of(prop)
    schedules = []
    if group is not None:
        schedules = schedules_from(group.id, current_reference(group, today()))
    if not schedules or schedules[0].reference_month != current_reference(
        group, today()
    ):
        raise ApiError(
            NO_SCHEDULE,
            "Não há cronograma de leitura para o imóvel na referência atual.",
        )
    return {
        "grupo_faturamento": group.id,
        "leituras": [
            {
                "referencia": reference_text(s.reference_month),
                "data_prevista_leitura": s.reading_date.isoformat(),
                "realizada_em": _iso(_read_on(prop, s.reference_month)),
            }
            for s in schedules
        ],
    }


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


# --- UC2029 --------------------------------------------------------------------------


def _require_window(prop: Property, params) -> Window:
    window = coming_window(prop, params, today())
    if window is None:
        raise ApiError(
            NO_SCHEDULE,
            "Não há cronograma de leitura para o imóvel na referência atual.",
        )
    return window


def window_status(prop: Property) -> dict:
    """Return the window of the current reference, or the next one (UC2029)."""
    if active_adhesion(prop) is None:
        raise ApiError(
            ADHESION_MISSING,
            f"O imóvel {prop.registration} não tem adesão ativa à autoleitura.",
        )
    params, day = p.load(), today()
    window = _require_window(prop, params)
    return {
        **window.as_json(),
        "aberta": window.is_open(day),
        "dias_restantes": max(0, (window.closes - day).days),
        "leitura_ja_informada": current_reading(prop, window.reference) is not None,
    }


# --- UC2028 --------------------------------------------------------------------------


def _reading_json(row: SelfReading | None) -> dict | None:
    if row is None:
        return None
    return {
        "valor": row.value,
        "informada_em": local_iso(row.informed_at),
        "protocolo": row.protocol,
        "classificacao": row.classification,
    }


def _cycle(prop: Property, params, day) -> dict | None:
    window = cycle_window(prop, params, day)
    if window is None:
        return None
    row = current_reading(prop, window.reference)
    if row is not None and row.status in CYCLE_OF_STATUS:
        situation = CYCLE_OF_STATUS[row.status]
    elif day < window.opens:
        situation = "AGUARDANDO_JANELA"
    elif window.is_open(day):
        situation = "AGUARDANDO_LEITURA"
    else:
        situation = "PERDIDA"
    return {
        "referencia": reference_text(window.reference),
        "janela": {
            "abre_em": window.opens.isoformat(),
            "fecha_em": window.closes.isoformat(),
            "aberta": window.is_open(day),
        },
        "situacao": situation,
        "leitura": _reading_json(row),
    }


def missed_references(prop: Property, adhesion: Adhesion, params, day) -> int:
    """Count the closed windows in a row, since joining, that got no reading.

    A window that closed before the adhesion began is not the customer's
    to miss: joining on the 19th after a window that closed on the 18th
    starts the count at the next one.
    """
    group = group_of(prop)
    if group is None:
        return 0
    joined = adhesion.joined_at.year * 100 + adhesion.joined_at.month
    schedules = db.session.scalars(
        select(b.BillingSchedule)
        .where(
            b.BillingSchedule.billing_group_id == group.id,
            b.BillingSchedule.reference_month >= joined,
        )
        .order_by(b.BillingSchedule.reference_month.desc())
    ).all()
    joined_on = adhesion.joined_at.date()
    missed = 0
    for schedule in schedules:
        window = window_of(schedule, params)
        if window.closes >= day:
            continue
        if window.closes < joined_on:  # closed before the customer joined
            break
        if _has_reading(prop, window.reference):
            break
        missed += 1
    return missed


def _has_reading(prop: Property, reference: int) -> bool:
    return (
        db.session.scalar(
            select(func.count()).where(
                SelfReading.property_id == prop.id,
                SelfReading.reference_month == reference,
                SelfReading.status.in_(CURRENT_STATUSES),
            )
        )
        > 0
    )


def self_reading_status(prop: Property, customer_id: int) -> dict:
    """Return the property's whole self-reading situation (UC2028)."""
    params, day = p.load(), today()
    adhesion = active_adhesion(prop)
    grace = grace_until(prop, params)
    return {
        "elegivel": not (found := reasons(prop, customer_id, params, day)),
        "motivos": found,
        "adesao": _adhesion_json(adhesion, with_channel=True),
        "ciclo_atual": _cycle(prop, params, day),
        "meses_sem_informar": missed_references(prop, adhesion, params, day)
        if adhesion
        else 0,
        "carencia_ate": grace.isoformat() if grace and grace > day else None,
    }
