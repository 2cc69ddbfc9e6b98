"""A month of one route: readings, the billing job, and a rerun that adds nothing."""

from decimal import Decimal

from sqlalchemy import func, select

from core.billing.jobs import BILL_GROUP
from core.domain import billing as b
from core.domain import metering as m
from core.extensions import db
from core.toolkits.jobs import JobRun, start_job
from tests.core.billing.factory import MONTH, bills_of, build_world


def _run(world):
    run = db.session.get(
        JobRun,
        start_job(BILL_GROUP, {"group_id": world.group.id, "reference_month": MONTH}),
    )
    db.session.refresh(run)
    return run


def _month(world):
    """Lay the route: normal, rolled over, closed property, no reading."""
    normal = world.add_property(install_reading=480)
    db.session.add(
        m.Reading(
            property_id=normal.id,
            reference_month=202502,
            informed_reading=500,
            informed_date=world_day(2, 8),
            billed_reading=500,
            billed_date=world_day(2, 8),
        )
    )
    world.read(normal, 518)

    rolled = world.add_property(meter_digits=4, install_reading=9990)
    world.read(rolled, 5)

    closed = world.add_property(install_reading=100)
    world.history(closed, (202501, 12), (202502, 14))
    world.read(closed, anomaly="closed_property")

    unread = world.add_property(install_reading=300)
    world.history(unread, (202501, 20), (202502, 25))
    db.session.commit()
    return normal, rolled, closed, unread


def world_day(month, day):
    from datetime import date

    return date(2025, month, day)


def _consumption(prop):
    return db.session.scalar(
        select(m.ConsumptionHistory).where(
            m.ConsumptionHistory.property_id == prop.id,
            m.ConsumptionHistory.reference_month == MONTH,
            m.ConsumptionHistory.connection_type == "water",
        )
    )


def test_month_scenario_bills_every_kind_of_reading(app):
    world = build_world()
    normal, rolled, closed, unread = _month(world)

    run = _run(world)

    assert run.status == "done", run.errors()
    assert run.counts()["billed"] == 4
    expected = {
        normal.id: (18, "real", "112.90", 518),
        rolled.id: (15, "real", "91.83", 5),
        closed.id: (13, "average", "78.40", 113),
        unread.id: (22, "average", "145.13", 322),
    }
    for prop in (normal, rolled, closed, unread):
        m3, kind, total, billed_reading = expected[prop.id]
        (bill,) = bills_of(prop)
        assert (bill.water_m3, bill.consumption_type, bill.total) == (
            m3,
            kind,
            Decimal(total),
        ), prop.id
        reading = db.session.scalar(
            select(m.Reading).where(
                m.Reading.property_id == prop.id, m.Reading.reference_month == MONTH
            )
        )
        assert reading.billed_reading == billed_reading
    assert _consumption(rolled).flag_list == ["rollover"]
    assert _consumption(closed).flag_list == ["reader_anomaly"]
    assert _consumption(unread).flag_list == ["reading_missing"]
    assert bills_of(normal)[0].previous_reading == 500
    assert bills_of(normal)[0].period_start == world_day(2, 8)


def test_month_scenario_rerun_creates_nothing(app):
    world = build_world()
    _month(world)
    _run(world)
    before = db.session.scalar(select(func.count()).select_from(b.Bill))
    lines = db.session.scalar(select(func.count()).select_from(b.BillCategory))

    rerun = _run(world)

    assert rerun.status == "done"
    assert rerun.counts() == {"already_billed": 4}
    assert db.session.scalar(select(func.count()).select_from(b.Bill)) == before == 4
    assert db.session.scalar(select(func.count()).select_from(b.BillCategory)) == lines


def test_month_scenario_bill_identifiers_are_stored(app):
    from core.services.barcode import parse_barcode

    world = build_world()
    normal, *_ = _month(world)

    _run(world)

    (bill,) = bills_of(normal)
    parsed = parse_barcode(bill.typed_line)
    assert parsed.barcode == bill.barcode
    assert parsed.value == bill.total
    assert parsed.company_code == "0006"  # CAERN's FEBRABAN code
    assert (parsed.bill.registration, parsed.bill.month, parsed.bill.year) == (
        normal.registration,
        3,
        2025,
    )
    assert bill.pix_code is None  # CAERN's profile has no Pix key
