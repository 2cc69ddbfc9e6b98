"""Check an informed reading and classify it against the expected range (UC2030).

The expected range is GSAN's [UC0086] as the core computes it
(:func:`~core.services.consumption.expected_reading_range`) from the
previous billed reading L and the average m; a lower reading is a meter
rollover under the core's one rule (specs/README.md rule 2,
:func:`~core.services.consumption.rollover_consumption`).

Classification: a consumption inside the expected consumption range is
DENTRO (or VIRADA after a rollover); above it ACIMA, below it ABAIXO; a
lower reading that is no rollover is MENOR_QUE_ANTERIOR.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from core.domain import metering as m
from core.domain.cadastre import Property
from core.extensions import db
from core.services.consumption import (
    MonthlyConsumption,
    average_consumption,
    expected_consumption_range,
    expected_reading_range,
    register_limit,
    rollover_consumption,
)
from core.toolkits.api import ApiError, field_error
from plugins.customer_access.params import read_all
from plugins.self_reading.errors import NOT_ELIGIBLE, READING_INVALID

AVERAGE_TYPES = frozenset({"real", "estimated", "informed"})
_DIGITS = re.compile(r"[0-9]+")
ACCEPTED = frozenset({"DENTRO", "VIRADA"})


@dataclass(frozen=True)
class ReadingCheck:
    """An informed reading, the range it was held against and its class."""

    value: int
    previous: int
    average: int
    digits: int
    range_low: int
    range_high: int
    classification: str
    consumption_m3: int | None

    @property
    def accepted(self) -> bool:
        """Tell whether the reading is accepted as it is (DENTRO or VIRADA)."""
        return self.classification in ACCEPTED


def _invalid(code: str, message: str) -> ApiError:
    return ApiError(
        READING_INVALID, message, errors=[field_error("leitura", code, message)]
    )


def parse_reading(raw, digits: int) -> int:
    """Return the reading as an integer, or raise 422 LEITURA_INVALIDA."""
    if isinstance(raw, bool) or raw is None:
        raise _invalid("NAO_NUMERICA", "Informe a leitura em números.")
    text = str(raw).strip()
    if text.startswith("-") and _DIGITS.fullmatch(text[1:]):
        raise _invalid("NEGATIVA", "A leitura não pode ser negativa.")
    if not _DIGITS.fullmatch(text):
        raise _invalid("NAO_NUMERICA", "Informe a leitura só com números.")
    significant = text.lstrip("0") or "0"
    # Longer than the register, however long: never turned into an int.
    if len(significant) > digits or int(significant) > register_limit(digits):
        raise _invalid(
            "DIGITOS_EXCEDIDOS", f"O hidrômetro mostra no máximo {digits} dígitos."
        )
    value = int(significant)
    return value


def previous_reading(prop_id: int, reference: int, installation) -> int:
    """Return the last billed reading before ``reference`` on the current meter."""
    row = db.session.execute(
        select(m.Reading.billed_reading, m.Reading.installation_id)
        .where(
            m.Reading.property_id == prop_id,
            m.Reading.measurement_type == "water",
            m.Reading.reference_month < reference,
            m.Reading.billed_reading.is_not(None),
        )
        .order_by(m.Reading.reference_month.desc())
        .limit(1)
    ).first()
    if row is None or row[1] not in (None, installation.id):
        return installation.install_reading
    return row[0]


def average_m3(prop_id: int, reference: int) -> int:
    """Return the property's average consumption before ``reference`` (0 if none)."""
    core = read_all("core")
    months = core.get("consumption_average_months", 6)
    extra = core.get("consumption_average_extra_months", 6)
    rows = db.session.execute(
        select(
            m.ConsumptionHistory.reference_month,
            m.ConsumptionHistory.billed_m3,
            m.ConsumptionHistory.consumption_type,
            m.ConsumptionHistory.held,
        ).where(
            m.ConsumptionHistory.property_id == prop_id,
            m.ConsumptionHistory.connection_type == "water",
            m.ConsumptionHistory.reference_month < reference,
        )
    ).all()
    history = [
        MonthlyConsumption(month, m3, kind in AVERAGE_TYPES and not held)
        for month, m3, kind, held in rows
    ]
    return average_consumption(history, reference, months, extra) or 0


def _classify(value: int, previous: int, average: int, digits: int):
    low, high = expected_consumption_range(average)
    if value >= previous:
        consumption, turned = value - previous, False
    else:
        consumption = rollover_consumption(previous, value, digits, average)
        if consumption is None:
            return "MENOR_QUE_ANTERIOR", None
        turned = True
    if consumption > high:
        return "ACIMA", consumption
    if consumption < low:
        return "ABAIXO", consumption
    return ("VIRADA" if turned else "DENTRO"), consumption


def check_reading(prop: Property, raw, reference: int) -> ReadingCheck:
    """Parse and classify a reading of ``prop`` for ``reference``."""
    installation = db.session.scalar(
        select(m.MeterInstallation)
        .options(joinedload(m.MeterInstallation.meter))
        .where(
            m.MeterInstallation.property_id == prop.id,
            m.MeterInstallation.measurement_type == "water",
            m.MeterInstallation.removed_on.is_(None),
        )
    )
    if installation is None:
        raise ApiError(
            NOT_ELIGIBLE,
            "O imóvel não tem hidrômetro instalado.",
            extra={"motivos": ["SEM_HIDROMETRO"]},
        )
    digits = installation.meter.digits
    value = parse_reading(raw, digits)
    previous = previous_reading(prop.id, reference, installation)
    average = average_m3(prop.id, reference)
    low, high = expected_reading_range(previous, average, digits)
    classification, consumption = _classify(value, previous, average, digits)
    return ReadingCheck(
        value, previous, average, digits, low, high, classification, consumption
    )
