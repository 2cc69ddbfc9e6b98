"""Metering commands: install and remove meters, record a month's readings.

Each command checks everything first, raises :class:`BillingError` with
every problem found, and only then changes rows (audited); the caller
commits, so a screen, the CLI or an import commit once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from core.billing.errors import BillingError, refuse_if
from core.clock import today
from core.domain import billing as b
from core.domain import metering as m
from core.domain.cadastre import Property
from core.domain.reference import ReadingAnomaly
from core.extensions import db
from core.services.billing_rules import check_reference_month, format_reference
from core.services.consumption import register_limit
from core.services.identifiers import format_registration


def _actor(actor: str | None) -> None:
    if actor:
        db.session.info["actor"] = actor


def current_installation(property_id: int, kind: str = "water"):
    """Return the meter installed at a property's connection (or well), if any."""
    return db.session.scalar(
        select(m.MeterInstallation).where(
            m.MeterInstallation.property_id == property_id,
            m.MeterInstallation.measurement_type == kind,
            m.MeterInstallation.removed_on.is_(None),
        )
    )


def install_meter(
    property_id: int,
    meter_number: str,
    installed_on: date,
    install_reading: int = 0,
    kind: str = "water",
    seal: str | None = None,
    actor: str | None = None,
) -> m.MeterInstallation:
    """Install an available meter at a property that has none of that kind."""
    errors = []
    prop = db.session.get(Property, property_id)
    meter = db.session.scalar(select(m.Meter).where(m.Meter.number == meter_number))
    if prop is None:
        errors.append(f"Imóvel {property_id} não existe.")
    if meter is None:
        errors.append(f"Hidrômetro {meter_number} não cadastrado.")
    elif meter.status != "available":
        errors.append(
            f"Hidrômetro {meter_number} não está disponível ({meter.status})."
        )
    elif not 0 <= install_reading <= register_limit(meter.digits):
        errors.append(
            f"Leitura de instalação {install_reading} fora do mostrador de "
            f"{meter.digits} dígitos."
        )
    if kind not in m.MEASUREMENT_TYPES:
        errors.append(f"Tipo de medição inválido: {kind}.")
    elif prop is not None and current_installation(property_id, kind) is not None:
        errors.append(f"O imóvel {prop} já tem hidrômetro instalado; retire-o antes.")
    refuse_if(errors)

    _actor(actor)
    installation = m.MeterInstallation(
        meter=meter,
        property=prop,
        measurement_type=kind,
        installed_on=installed_on,
        install_reading=install_reading,
        seal=seal,
    )
    meter.status = "installed"
    db.session.add(installation)
    db.session.flush()
    return installation


def remove_meter(
    property_id: int,
    removed_on: date,
    removal_reading: int,
    kind: str = "water",
    actor: str | None = None,
) -> m.MeterInstallation:
    """Close the property's current installation and free its meter."""
    installation = current_installation(property_id, kind)
    if installation is None:
        raise BillingError(f"O imóvel {property_id} não tem hidrômetro instalado.")
    errors = []
    if removed_on < installation.installed_on:
        errors.append("A retirada não pode ser anterior à instalação.")
    if not 0 <= removal_reading <= register_limit(installation.meter.digits):
        errors.append(f"Leitura de retirada {removal_reading} fora do mostrador.")
    refuse_if(errors)

    _actor(actor)
    installation.removed_on = removed_on
    installation.removal_reading = removal_reading
    installation.meter.status = "available"
    db.session.flush()
    return installation


@dataclass(frozen=True)
class ReadingInput:
    """One reading brought by a reader: a value, or an anomaly, or both."""

    property_id: int
    reading: int | None = None
    read_on: date | None = None
    anomaly_code: str | None = None
    reader: str | None = None


def _check_reading(item: ReadingInput, month: int, anomalies: dict) -> list[str]:
    """Return what is wrong with one reading of ``month``."""
    prop = db.session.get(Property, item.property_id)
    if prop is None:
        return [f"Imóvel {item.property_id} não existe."]
    ref = format_registration(prop.registration)
    errors = []
    anomaly = anomalies.get(item.anomaly_code) if item.anomaly_code else None
    if item.anomaly_code and anomaly is None:
        errors.append(f"{ref}: anormalidade {item.anomaly_code!r} não cadastrada.")
    if item.reading is None and anomaly is None:
        errors.append(f"{ref}: informe a leitura ou uma anormalidade.")
    if item.reading is not None:
        errors += _check_value(item, ref, anomaly)
    if item.read_on and item.read_on > today():
        errors.append(f"{ref}: data de leitura {item.read_on:%d/%m/%Y} no futuro.")
    if _billed(item.property_id, month):
        errors.append(f"{ref}: conta de {format_reference(month)} já gerada.")
    return errors


def _check_value(item: ReadingInput, ref: str, anomaly) -> list[str]:
    installation = current_installation(item.property_id)
    if installation is None:
        return [f"{ref}: imóvel sem hidrômetro instalado não tem leitura."]
    limit = register_limit(installation.meter.digits)
    if not 0 <= item.reading <= limit:
        return [f"{ref}: leitura {item.reading} fora do mostrador (0 a {limit})."]
    if anomaly is not None and not anomaly.accepts_reading:
        return [f"{ref}: a anormalidade {anomaly.label} não admite leitura."]
    if item.read_on is None:
        return [f"{ref}: informe a data da leitura."]
    return []


def _billed(property_id: int, month: int) -> bool:
    return (
        db.session.scalar(
            select(b.Bill.id)
            .where(b.Bill.property_id == property_id, b.Bill.reference_month == month)
            .limit(1)
        )
        is not None
    )


def record_readings(
    month: int, items: list[ReadingInput], actor: str | None = None
) -> list[m.Reading]:
    """Record a month's readings; a second reading replaces the first.

    Nothing is written when any reading is refused: every problem is
    listed in the :class:`BillingError`.
    """
    month = check_reference_month(month)
    anomalies = {a.code: a for a in db.session.scalars(select(ReadingAnomaly))}
    errors = []
    for item in items:
        errors += _check_reading(item, month, anomalies)
    refuse_if(errors)

    _actor(actor)
    saved = []
    for item in items:
        saved.append(_save_reading(item, month, anomalies))
    db.session.flush()
    return saved


def _save_reading(item: ReadingInput, month: int, anomalies: dict) -> m.Reading:
    reading = db.session.scalar(
        select(m.Reading).where(
            m.Reading.property_id == item.property_id,
            m.Reading.reference_month == month,
            m.Reading.measurement_type == "water",
        )
    )
    if reading is None:
        reading = m.Reading(
            property_id=item.property_id,
            reference_month=month,
            measurement_type="water",
        )
        db.session.add(reading)
    installation = current_installation(item.property_id)
    reading.installation_id = installation.id if installation else None
    reading.informed_reading = item.reading
    reading.informed_date = item.read_on
    anomaly = anomalies.get(item.anomaly_code) if item.anomaly_code else None
    reading.anomaly_id = anomaly.id if anomaly else None
    reading.reader = item.reader
    return reading
