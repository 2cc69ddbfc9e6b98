"""Tell whether a property may join self-reading, and why not (§4.C).

Each broken rule is a code of ``motivos[]``: LIGACAO_NAO_ATIVA (water not
connected), SEM_HIDROMETRO (no meter on the water connection),
CLIENTE_NAO_TITULAR (the customer is not linked by an allowed relation),
EM_CARENCIA (cancelled for inactivity less than the grace period ago).

Limitations: the core keeps no condominium master-meter flag, no
telemetry route type and no special billing situation yet, so the spec's
IMOVEL_CONDOMINIO, LEITURA_TELEMETRIA and FATURAMENTO_SUSPENSO are never
raised.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

from core.billing.metering import current_installation
from core.domain.cadastre import CustomerProperty, Property
from core.extensions import db
from core.services.billing_rules import shift_reference
from plugins.self_reading.models import Adhesion
from plugins.self_reading.params import SelfReadingParams


def is_linked(
    prop: Property, customer_id: int, relations: tuple[str, ...], day: date
) -> bool:
    """Tell whether the customer has an active link of an allowed relation."""
    return (
        db.session.scalar(
            select(CustomerProperty.id)
            .where(
                CustomerProperty.property_id == prop.id,
                CustomerProperty.customer_id == customer_id,
                CustomerProperty.relation.in_(relations),
                (CustomerProperty.end_date.is_(None))
                | (CustomerProperty.end_date > day),
            )
            .limit(1)
        )
        is not None
    )


def _add_months(moment: datetime, months: int) -> date:
    month = shift_reference(moment.year * 100 + moment.month, months)
    day = min(moment.day, 28)
    return date(month // 100, month % 100, day)


def grace_until(prop: Property, params: SelfReadingParams) -> date | None:
    """Return until when the property may not join again, if it is in grace."""
    cancelled = db.session.scalar(
        select(Adhesion.cancelled_at)
        .where(Adhesion.property_id == prop.id, Adhesion.cancel_reason == "INATIVIDADE")
        .order_by(Adhesion.cancelled_at.desc())
        .limit(1)
    )
    if cancelled is None:
        return None
    return _add_months(cancelled, params.grace_months)


def reasons(
    prop: Property, customer_id: int, params: SelfReadingParams, day: date
) -> list[str]:
    """Return the rules the property breaks for this customer (empty: eligible)."""
    found = []
    if prop.water_situation.code != "connected":
        found.append("LIGACAO_NAO_ATIVA")
    if current_installation(prop.id) is None:
        found.append("SEM_HIDROMETRO")
    if not is_linked(prop, customer_id, params.relation_types, day):
        found.append("CLIENTE_NAO_TITULAR")
    grace = grace_until(prop, params)
    if grace is not None and grace > day:
        found.append("EM_CARENCIA")
    return found
