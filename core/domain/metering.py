"""Declare metering: meters, their installations, readings and consumption.

GSAN's ``micromedicao`` (core-domain.md §1.2 and §6.3): a meter
(``hidrometro``) stays at a water connection or a well for a while
(``hidrometro_inst_hist``); a reading (``medicao_historico``) is kept per
property, measurement type and reference month; the consumption decided for
the month (``consumo_historico``) per property, connection type and month.

Readings and consumption grow every month, so they carry the reference
month (int YYYYMM) for PostgreSQL partitioning (DESIGN.md §4). Their only
indexes lead with the property: an index leading with the month would
tempt the planner, before statistics catch up with a month being billed,
to scan the whole month for every batch of properties.
"""

from __future__ import annotations

import builtins

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import relationship

from core.domain.base import GsanKeyMixin, Model, TimestampMixin, utcnow
from core.domain.cadastre import Property, Route
from core.domain.reference import (
    MeterBrand,
    MeterCapacity,
    MeterDiameter,
    ReadingAnomaly,
)

OWNER = {"sanea_owner": "core_billing"}

METER_STATUSES = ("available", "installed", "maintenance", "stolen", "written_off")
MEASUREMENT_TYPES = ("water", "well")
CONNECTION_TYPES = ("water", "sewer")
CONSUMPTION_TYPES = (
    "real",
    "estimated",
    "average",
    "minimum",
    "informed",
    "no_consumption",
)


def one_of(table: str, column: str, values: tuple[str, ...]) -> CheckConstraint:
    """Return a named check that ``column`` holds one of ``values``."""
    listed = ", ".join(f"'{value}'" for value in values)
    return CheckConstraint(f"{column} in ({listed})", name=f"ck_{table}_{column}")


class Meter(GsanKeyMixin, TimestampMixin, Model):
    """Hidrômetro: its number, register size and where it stands."""

    __audited__ = True
    __tablename__ = "meter"
    __table_args__ = (one_of("meter", "status", METER_STATUSES), {"info": OWNER})
    id = Column(Integer, primary_key=True)
    number = Column(String(20), nullable=False, unique=True)
    # Register size: the reading rolls over after 10**digits - 1.
    digits = Column(Integer, nullable=False, default=4)
    brand_id = Column(ForeignKey("meter_brand.id"), nullable=True)
    brand = relationship(MeterBrand)
    capacity_id = Column(ForeignKey("meter_capacity.id"), nullable=True)
    capacity = relationship(MeterCapacity)
    diameter_id = Column(ForeignKey("meter_diameter.id"), nullable=True)
    diameter = relationship(MeterDiameter)
    status = Column(String(12), nullable=False, default="available")
    acquired_on = Column(Date, nullable=True)
    manufacture_year = Column(Integer, nullable=True)

    def __str__(self) -> str:
        return self.number


class MeterInstallation(GsanKeyMixin, Model):
    """One stay of a meter at a property's water connection or well."""

    __audited__ = True
    __tablename__ = "meter_installation"
    __table_args__ = (
        one_of("meter_installation", "measurement_type", MEASUREMENT_TYPES),
        Index("ix_meter_installation_property_open", "property_id", "removed_on"),
        {"info": OWNER},
    )
    id = Column(Integer, primary_key=True)
    meter_id = Column(ForeignKey("meter.id"), nullable=False, index=True)
    meter = relationship(Meter)
    property_id = Column(ForeignKey("property.id"), nullable=False)
    property = relationship(Property)
    measurement_type = Column(String(8), nullable=False, default="water")
    installed_on = Column(Date, nullable=False)
    install_reading = Column(Integer, nullable=False, default=0)
    removed_on = Column(Date, nullable=True)
    removal_reading = Column(Integer, nullable=True)
    seal = Column(String(20), nullable=True)
    created_at = Column(DateTime, nullable=False, default=utcnow)

    @builtins.property  # the column "property" shadows the builtin here
    def is_current(self) -> bool:
        """Tell whether the meter is still installed."""
        return self.removed_on is None

    def __str__(self) -> str:
        return f"{self.meter} desde {self.installed_on:%d/%m/%Y}"


class Reading(TimestampMixin, Model):
    """A month's reading of a property: informed, anomaly and billed reading.

    ``informed_*`` is what the reader (or the customer) brought; ``billed_*``
    what billing kept, which becomes next month's previous reading.
    ``informed_consumption_m3`` and ``analysis_released`` are set by the
    analyst who releases a consumption held for analysis.
    """

    __audited__ = True
    __tablename__ = "reading"
    __table_args__ = (
        UniqueConstraint("property_id", "reference_month", "measurement_type"),
        one_of("reading", "measurement_type", MEASUREMENT_TYPES),
        {"info": OWNER},
    )
    id = Column(Integer, primary_key=True)
    property_id = Column(ForeignKey("property.id"), nullable=False)
    property = relationship(Property)
    reference_month = Column(Integer, nullable=False)
    measurement_type = Column(String(8), nullable=False, default="water")
    installation_id = Column(ForeignKey("meter_installation.id"), nullable=True)
    installation = relationship(MeterInstallation)
    previous_reading = Column(Integer, nullable=True)
    previous_date = Column(Date, nullable=True)
    informed_reading = Column(Integer, nullable=True)
    informed_date = Column(Date, nullable=True)
    anomaly_id = Column(ForeignKey("reading_anomaly.id"), nullable=True)
    anomaly = relationship(ReadingAnomaly)
    billed_reading = Column(Integer, nullable=True)
    billed_date = Column(Date, nullable=True)
    measured_m3 = Column(Integer, nullable=True)
    informed_consumption_m3 = Column(Integer, nullable=True)
    analysis_released = Column(Boolean, nullable=False, default=False)
    reader = Column(String(60), nullable=True)

    def __str__(self) -> str:
        return f"{self.property} {self.reference_month}"


class ConsumptionHistory(Model):
    """The consumption decided for a property, connection type and month.

    ``consumption_type`` says how it was obtained; ``flags`` lists what was
    noticed (comma-separated :class:`~core.services.consumption.ConsumptionFlag`
    values); ``held`` marks a month kept out of billing for analysis.
    """

    __tablename__ = "consumption_history"
    __table_args__ = (
        UniqueConstraint("property_id", "reference_month", "connection_type"),
        one_of("consumption_history", "connection_type", CONNECTION_TYPES),
        one_of("consumption_history", "consumption_type", CONSUMPTION_TYPES),
        {"info": OWNER},
    )
    id = Column(Integer, primary_key=True)
    property_id = Column(ForeignKey("property.id"), nullable=False)
    property = relationship(Property)
    reference_month = Column(Integer, nullable=False)
    connection_type = Column(String(6), nullable=False, default="water")
    route_id = Column(ForeignKey("route.id"), nullable=True)
    route = relationship(Route)
    billed_m3 = Column(Integer, nullable=False)
    consumption_type = Column(String(16), nullable=False)
    flags = Column(String(200), nullable=False, default="")
    average_m3 = Column(Integer, nullable=True)
    minimum_m3 = Column(Integer, nullable=True)
    measured_m3 = Column(Integer, nullable=True)
    anomaly_id = Column(ForeignKey("reading_anomaly.id"), nullable=True)
    anomaly = relationship(ReadingAnomaly)
    held = Column(Boolean, nullable=False, default=False)
    created_at = Column(DateTime, nullable=False, default=utcnow)

    @builtins.property  # the column "property" shadows the builtin here
    def flag_list(self) -> list[str]:
        """Return the flags as a list."""
        return [flag for flag in self.flags.split(",") if flag]

    def __str__(self) -> str:
        return f"{self.property} {self.reference_month}: {self.billed_m3} m³"
