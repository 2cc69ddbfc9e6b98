"""Make the demo population ready to bill: tariff, schedules, meters, readings.

Called through ``sanea_demo_data`` after ``flask sanea demo`` laid its
properties. The month prepared is the one before the clock's: every active
billing group gets a schedule (readings on day 10, billing on day 11, due
on day 25) and one for the month before; every connected property without
a meter gets one, installed two years earlier; most metered properties get
a reading, a few an anomaly ("imóvel fechado") or none. Running it again
only fills what is missing.
"""

from __future__ import annotations

import logging
import random
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import exists, select

from core.clock import today
from core.domain import billing as b
from core.domain import cadastre as c
from core.domain import metering as m
from core.domain import reference as r
from core.domain.base import utcnow
from core.gsan_import.bulk import insert_rows
from core.services.billing_rules import reference_of, shift_reference

log = logging.getLogger(__name__)
METERED_SHARE = 0.9
ANOMALY_SHARE = 0.03
UNREAD_SHARE = 0.02
CONSUMPTION = [
    (range(0, 5), 8),
    (range(5, 16), 50),
    (range(16, 31), 32),
    (range(31, 51), 8),
    (range(51, 120), 2),
]
TARIFF = {  # category: minimum value per economy, then R$/m³ per band
    "residential": ("38.00", [(11, 20, "4.20"), (21, 50, "6.80"), (51, None, "9.10")]),
    "commercial": ("72.00", [(11, 30, "8.40"), (31, None, "11.20")]),
    "industrial": ("95.00", [(11, 50, "10.10"), (51, None, "12.60")]),
    "public": ("80.00", [(11, None, "9.30")]),
}


def demo_month() -> int:
    """Return the month the demo prepares: the one before today's."""
    return shift_reference(reference_of(today()), -1)


def _day(month: int, day: int) -> date:
    return date(month // 100, month % 100, day)


def ensure_tariff(session) -> int:
    """Add a default demo tariff when there is none; return its id."""
    found = session.scalar(select(b.Tariff.id).where(b.Tariff.is_default.is_(True)))
    if found:
        return found
    tariff = b.Tariff(
        code="DEMO",
        description="Tarifa padrão (demonstração)",
        is_default=True,
        sewer_percent=Decimal("80"),
    )
    validity = b.TariffValidity(tariff=tariff, valid_from=date(2020, 1, 1))
    for category in session.scalars(select(r.Category)):
        value, bands = TARIFF.get(category.code, TARIFF["residential"])
        row = b.TariffCategory(
            validity=validity,
            category=category,
            minimum_m3=10,
            minimum_value=Decimal(value),
        )
        row.bands = [
            b.TariffBand(start_m3=s, end_m3=e, price_per_m3=Decimal(p))
            for s, e, p in bands
        ]
    session.add(tariff)
    session.flush()
    return tariff.id


def ensure_schedules(session, month: int) -> int:
    """Give every active group with routes its schedules around the month.

    The month before, the month (the group's open reference) and the one
    after, so that self-reading has a window open in the current month.
    Bills fall due on the 25th of the month after their reference: bills
    made today are never overdue on issue.
    """
    added = 0
    groups = session.scalars(select(c.BillingGroup).where(c.BillingGroup.active))
    for group in groups:
        routes = session.scalars(
            select(c.Route.id).where(c.Route.billing_group_id == group.id)
        ).all()
        if routes and (group.reference_month or 0) < month:
            group.reference_month = month
        for ref in (shift_reference(month, -1), month, shift_reference(month, 1)):
            if not routes or session.scalar(
                select(b.BillingSchedule.id).where(
                    b.BillingSchedule.billing_group_id == group.id,
                    b.BillingSchedule.reference_month == ref,
                )
            ):
                continue
            schedule = b.BillingSchedule(
                billing_group=group,
                reference_month=ref,
                reading_date=_day(ref, 10),
                billing_date=_day(ref, 11),
            )
            schedule.routes = [
                b.BillingScheduleRoute(route_id=route_id,
                                       due_date=_day(shift_reference(ref, 1), 25))
                for route_id in routes
            ]
            session.add(schedule)
            added += 1
    session.flush()
    return added


def _unmetered(session) -> list[int]:
    p, ws = c.Property.__table__, r.WaterSituation.__table__
    installed = exists().where(m.MeterInstallation.property_id == p.c.id)
    return session.scalars(
        select(p.c.id)
        .join(ws, ws.c.id == p.c.water_situation_id)
        .where(ws.c.has_connection.is_(True), ~installed)
        .order_by(p.c.id)
    ).all()


def install_meters(session, rng: random.Random, month: int) -> list[tuple]:
    """Install a meter at most connected properties; return (property, meter) rows."""
    chosen = [pid for pid in _unmetered(session) if rng.random() < METERED_SHARE]
    now, installed_on = utcnow(), _day(shift_reference(month, -24), 1)
    meters = [
        {
            "number": f"DM{pid:09d}",
            "digits": rng.choice((4, 5, 5)),
            "status": "installed",
            "created_at": now,
            "updated_at": now,
        }
        for pid in chosen
    ]
    insert_rows(session, m.Meter.__table__, meters)
    ids = dict(
        session.execute(
            select(m.Meter.number, m.Meter.id).where(m.Meter.number.like("DM%"))
        ).all()
    )
    rows = []
    for pid, meter in zip(chosen, meters, strict=True):
        start = rng.randrange(0, 10 ** meter["digits"])
        rows.append(
            {
                "meter_id": ids[meter["number"]],
                "property_id": pid,
                "measurement_type": "water",
                "installed_on": installed_on,
                "install_reading": start,
                "created_at": now,
            }
        )
    insert_rows(session, m.MeterInstallation.__table__, rows)
    return rows


def _consumption(rng: random.Random) -> int:
    spans, weights = zip(*CONSUMPTION, strict=True)
    return rng.choice(rng.choices(spans, weights)[0])


def record_demo_readings(session, rng: random.Random, month: int) -> int:
    """Read every metered property that has no reading for the month."""
    mi, meter, rd = (
        m.MeterInstallation.__table__,
        m.Meter.__table__,
        m.Reading.__table__,
    )
    read = exists().where(
        rd.c.property_id == mi.c.property_id, rd.c.reference_month == month
    )
    pending = session.execute(
        select(mi.c.id, mi.c.property_id, mi.c.install_reading, meter.c.digits)
        .join(meter, meter.c.id == mi.c.meter_id)
        .where(mi.c.removed_on.is_(None), ~read)
        .order_by(mi.c.property_id)
    ).all()
    closed = session.scalar(
        select(r.ReadingAnomaly.id).where(r.ReadingAnomaly.code == "closed_property")
    )
    now, rows = utcnow(), []
    for installation_id, pid, start, digits in pending:
        draw = rng.random()
        if draw < UNREAD_SHARE:
            continue
        row = {
            "property_id": pid,
            "reference_month": month,
            "measurement_type": "water",
            "installation_id": installation_id,
            "informed_reading": None,
            "informed_date": None,
            "anomaly_id": None,
            "reader": "Leiturista demo",
            "analysis_released": False,
            "created_at": now,
            "updated_at": now,
        }
        if draw < UNREAD_SHARE + ANOMALY_SHARE and closed:
            row["anomaly_id"] = closed
        else:
            row["informed_reading"] = (start + _consumption(rng)) % 10**digits
            row["informed_date"] = _day(month, 10) - timedelta(days=rng.randrange(3))
        rows.append(row)
    insert_rows(session, rd, rows)
    return len(rows)


def lay_billing_demo(session, rng: random.Random, month: int | None = None) -> dict:
    """Prepare ``month`` (default: the one before today's) for billing."""
    month = month or demo_month()
    counts = {
        "tariff": ensure_tariff(session) and 1,
        "schedules": ensure_schedules(session, month),
        "meters": len(install_meters(session, rng, month)),
        "readings": record_demo_readings(session, rng, month),
    }
    session.flush()
    log.info("billing demo for %s: %s", month, counts)
    return counts
