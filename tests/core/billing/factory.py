"""Build a small billing world: one group, one route, a tariff, a schedule.

The tariff is SAAE Bela Vista-MS's 2021 residential table (0-10 m³ R$ 40,17
fixed; 11-15 R$ 4,6319/m³; 16-20 R$ 4,8451; 21-25 R$ 6,266; 26-30
R$ 7,4698; 31-50 R$ 8,7295; above 50 R$ 9,7201; sewer 45 % of water).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from core.billing.metering import ReadingInput, install_meter, record_readings
from core.billing.schedule import create_schedule
from core.domain import billing as b
from core.domain import cadastre as c
from core.domain import metering as m
from core.domain import reference as r
from core.extensions import db
from core.services.identifiers import make_registration

MONTH = 202503
READ_ON = date(2025, 3, 10)
DUE = date(2025, 3, 25)
BELA_VISTA_BANDS = [
    (11, 15, "4.6319"),
    (16, 20, "4.8451"),
    (21, 25, "6.266"),
    (26, 30, "7.4698"),
    (31, 50, "8.7295"),
    (51, None, "9.7201"),
]


def ref(model, code: str):
    """Return the reference row of ``model`` with ``code``."""
    return db.session.scalar(select(model).where(model.code == code))


def bela_vista_tariff() -> b.Tariff:
    """Add the Bela Vista 2021 tariff as the default one."""
    residential = ref(r.Category, "residential")
    tariff = b.Tariff(
        code="BV2021",
        description="SAAE Bela Vista 2021",
        is_default=True,
        sewer_percent=Decimal("45"),
    )
    validity = b.TariffValidity(tariff=tariff, valid_from=date(2021, 1, 1))
    row = b.TariffCategory(
        validity=validity,
        category=residential,
        minimum_m3=10,
        minimum_value=Decimal("40.17"),
    )
    row.bands = [
        b.TariffBand(start_m3=start, end_m3=end, price_per_m3=Decimal(price))
        for start, end, price in BELA_VISTA_BANDS
    ]
    db.session.add(tariff)
    return tariff


@dataclass
class World:
    """The cadastre around one route of one billing group."""

    group: c.BillingGroup
    route: c.Route
    block: c.Block
    locality: c.Locality
    sector: c.Sector
    lots: int = 0
    properties: list = field(default_factory=list)

    def add_property(
        self,
        *,
        meter_digits: int | None = 4,
        install_reading: int = 0,
        economies: int = 1,
        subcategory: str = "residential_standard",
        sewer: bool = True,
    ) -> c.Property:
        """Add a connected property, with a meter unless ``meter_digits`` is None."""
        self.lots += 1
        prop = c.Property(
            registration=make_registration(1000 + self.lots),
            locality=self.locality,
            sector=self.sector,
            block=self.block,
            lot=self.lots,
            sublot=0,
            street="Rua das Flores",
            number=str(self.lots),
            district="Centro",
            water_situation=ref(r.WaterSituation, "connected"),
            sewer_situation=ref(
                r.SewerSituation, "connected" if sewer else "potential"
            ),
            route_sequence=self.lots,
        )
        prop.economies = [
            c.PropertySubcategory(
                subcategory=ref(r.Subcategory, subcategory), economies=economies
            )
        ]
        db.session.add(prop)
        db.session.flush()
        if meter_digits is not None:
            meter = m.Meter(number=f"A{self.lots:06d}", digits=meter_digits)
            db.session.add(meter)
            db.session.flush()
            install_meter(prop.id, meter.number, date(2025, 1, 1), install_reading)
        self.properties.append(prop)
        return prop

    def read(self, prop, value=None, anomaly=None, month=MONTH, day=READ_ON):
        """Record a reading (or an anomaly) of ``prop`` for ``month``."""
        record_readings(
            month,
            [ReadingInput(prop.id, value, day if value is not None else None, anomaly)],
        )

    def history(self, prop, *months_and_m3, kind="real"):
        """Add past months of water consumption history."""
        for month, m3 in months_and_m3:
            db.session.add(
                m.ConsumptionHistory(
                    property_id=prop.id,
                    reference_month=month,
                    connection_type="water",
                    route_id=self.route.id,
                    billed_m3=m3,
                    consumption_type=kind,
                )
            )


def build_world(month: int = MONTH, due: date = DUE, tariff: bool = True) -> World:
    """Create a group with one route, a block, a tariff and the month's schedule."""
    locality = c.Locality(code=1, name="Bela Vista")
    sector = c.Sector(locality=locality, code=1, name="Centro")
    group = c.BillingGroup(description="Grupo 1", reference_month=month, due_day=25)
    route = c.Route(sector=sector, code=10, billing_group=group)
    block = c.Block(sector=sector, number=1, route=route)
    db.session.add_all([locality, sector, group, route, block])
    if tariff:
        bela_vista_tariff()
    db.session.flush()
    create_schedule(group.id, month, READ_ON, date(2025, 3, 11), due)
    create_schedule(
        group.id, 202502, date(2025, 2, 8), date(2025, 2, 9), date(2025, 2, 25)
    )
    db.session.commit()
    return World(group, route, block, locality, sector)


def debit_type() -> r.DebitType:
    """Return (creating once) a debit type for installments."""
    row = ref(r.DebitType, "service")
    if row is None:
        row = r.DebitType(code="service", label="Serviço")
        db.session.add(row)
        db.session.flush()
    return row


def bills_of(prop) -> list[b.Bill]:
    """Return a property's bills, oldest version first."""
    return list(
        db.session.scalars(
            select(b.Bill).where(b.Bill.property_id == prop.id).order_by(b.Bill.version)
        )
    )
