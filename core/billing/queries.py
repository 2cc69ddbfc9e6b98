"""The queries of the billing engine: a route's data in a few round trips.

Each function reads one kind of row for a batch of properties and returns
plain tuples grouped by property, so the engine prices thousands of bills
without loading ORM objects (DESIGN.md §4).
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import and_, exists, select

from core.domain import billing as b
from core.domain import cadastre as c
from core.domain import metering as m
from core.domain import reference as r
from core.extensions import db
from core.services.billing_rules import shift_reference

HISTORY_MONTHS = 24
BILLED = 13  # position of the billed flag in a route_properties() row


def _rows(statement) -> list:
    return db.session.execute(statement).all()


def route_properties(route_id: int, month: int) -> list:
    """Return the properties of a route with their cadastre and billed flag."""
    p = c.Property.__table__
    blk, sec, loc = c.Block.__table__, c.Sector.__table__, c.Locality.__table__
    wc, sc = c.WaterConnection.__table__, c.SewerConnection.__table__
    pt, bill = b.PropertyTariff.__table__, b.Bill.__table__
    billed = exists().where(
        and_(bill.c.property_id == p.c.id, bill.c.reference_month == month)
    )
    statement = (
        select(
            p.c.id,
            p.c.registration,
            p.c.locality_id,
            loc.c.code,
            sec.c.code,
            blk.c.number,
            p.c.lot,
            p.c.sublot,
            p.c.water_situation_id,
            p.c.sewer_situation_id,
            wc.c.fixed_minimum_m3,
            sc.c.sewer_percent,
            pt.c.tariff_id,
            billed.label("billed"),
        )
        .join(blk, p.c.block_id == blk.c.id)
        .join(sec, p.c.sector_id == sec.c.id)
        .join(loc, p.c.locality_id == loc.c.id)
        .outerjoin(wc, wc.c.property_id == p.c.id)
        .outerjoin(sc, sc.c.property_id == p.c.id)
        .outerjoin(pt, pt.c.property_id == p.c.id)
        .where(blk.c.route_id == route_id)
        .order_by(p.c.route_sequence, p.c.id)
    )
    return _rows(statement)


def _grouped(statement) -> dict[int, list]:
    grouped: dict[int, list] = defaultdict(list)
    for row in _rows(statement):
        grouped[row[0]].append(row)
    return grouped


def economies(ids: list[int]) -> dict[int, list]:
    """Return (property, subcategory, category, economies) per property."""
    ps, sub = c.PropertySubcategory.__table__, r.Subcategory.__table__
    return _grouped(
        select(ps.c.property_id, ps.c.subcategory_id, sub.c.category_id, ps.c.economies)
        .join(sub, ps.c.subcategory_id == sub.c.id)
        .where(ps.c.property_id.in_(ids))
        .order_by(ps.c.property_id, sub.c.category_id, ps.c.subcategory_id)
    )


def current_installations(ids: list[int]) -> dict[int, tuple]:
    """Return the water meter installed at each property, with its digits."""
    mi, meter = m.MeterInstallation.__table__, m.Meter.__table__
    rows = _rows(
        select(
            mi.c.property_id,
            mi.c.id,
            mi.c.installed_on,
            mi.c.install_reading,
            meter.c.digits,
        )
        .join(meter, mi.c.meter_id == meter.c.id)
        .where(
            mi.c.property_id.in_(ids),
            mi.c.removed_on.is_(None),
            mi.c.measurement_type == "water",
        )
    )
    return {row[0]: row for row in rows}


def readings(ids: list[int], month: int) -> dict[int, list]:
    """Return the water readings of the last two years up to ``month``, newest first."""
    rd = m.Reading.__table__
    return _grouped(
        select(
            rd.c.property_id,
            rd.c.id,
            rd.c.reference_month,
            rd.c.installation_id,
            rd.c.informed_reading,
            rd.c.informed_date,
            rd.c.anomaly_id,
            rd.c.billed_reading,
            rd.c.billed_date,
            rd.c.informed_consumption_m3,
            rd.c.analysis_released,
        )
        .where(
            rd.c.property_id.in_(ids),
            rd.c.measurement_type == "water",
            rd.c.reference_month <= month,
            rd.c.reference_month > shift_reference(month, -HISTORY_MONTHS),
        )
        .order_by(rd.c.property_id, rd.c.reference_month.desc())
    )


def water_history(ids: list[int], month: int, months: int) -> dict[int, list]:
    """Return the water consumption history of the ``months`` before ``month``."""
    ch = m.ConsumptionHistory.__table__
    return _grouped(
        select(
            ch.c.property_id,
            ch.c.reference_month,
            ch.c.billed_m3,
            ch.c.consumption_type,
            ch.c.held,
        ).where(
            ch.c.property_id.in_(ids),
            ch.c.connection_type == "water",
            ch.c.reference_month < month,
            ch.c.reference_month >= shift_reference(month, -months),
        )
    )


def pending_debits(ids: list[int], month: int) -> dict[int, list]:
    """Return the pending debits each property's bill of ``month`` charges."""
    pd = b.PendingDebit.__table__
    return _grouped(
        select(
            pd.c.property_id,
            pd.c.id,
            pd.c.debit_type_id,
            pd.c.total,
            pd.c.installments,
            pd.c.installments_billed,
        )
        .where(
            pd.c.property_id.in_(ids),
            pd.c.status == "pending",
            pd.c.first_month <= month,
            pd.c.installments_billed < pd.c.installments,
        )
        .order_by(pd.c.property_id, pd.c.id)
    )


def pending_credits(ids: list[int], month: int) -> dict[int, list]:
    """Return the pending credits each property's bill of ``month`` may use."""
    pc = b.PendingCredit.__table__
    return _grouped(
        select(
            pc.c.property_id,
            pc.c.id,
            pc.c.credit_type_id,
            pc.c.total,
            pc.c.installments,
            pc.c.installments_realised,
            pc.c.residual,
        )
        .where(
            pc.c.property_id.in_(ids),
            pc.c.status == "pending",
            pc.c.first_month <= month,
        )
        .order_by(pc.c.property_id, pc.c.id)
    )


def tariff_rows() -> list:
    """Return every active tariff's validities, categories and bands, flat."""
    t, v = b.Tariff.__table__, b.TariffValidity.__table__
    tc, band = b.TariffCategory.__table__, b.TariffBand.__table__
    return _rows(
        select(
            t.c.id,
            t.c.code,
            t.c.is_default,
            t.c.sewer_percent,
            v.c.valid_from,
            tc.c.id,
            tc.c.category_id,
            tc.c.subcategory_id,
            tc.c.minimum_m3,
            tc.c.minimum_value,
            band.c.start_m3,
            band.c.end_m3,
            band.c.price_per_m3,
        )
        .join(v, v.c.tariff_id == t.c.id)
        .join(tc, tc.c.validity_id == v.c.id)
        .outerjoin(band, band.c.tariff_category_id == tc.c.id)
        .where(t.c.active.is_(True))
        .order_by(t.c.id, v.c.valid_from, tc.c.id, band.c.start_m3)
    )


def group_routes(group_id: int) -> list:
    """Return (id, code) of the routes of a billing group, by code."""
    route = c.Route.__table__
    return _rows(
        select(route.c.id, route.c.code)
        .where(route.c.billing_group_id == group_id)
        .order_by(route.c.code, route.c.id)
    )
