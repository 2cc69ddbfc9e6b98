"""The queries of the billing engine: a route's data in a few round trips.

Each function reads one kind of row for a batch of properties and returns
plain tuples grouped by property, so the engine prices thousands of bills
without loading ORM objects (DESIGN.md §4).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from sqlalchemy import (
    ARRAY,
    Integer,
    and_,
    any_,
    bindparam,
    exists,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql

from core.domain import billing as b
from core.domain import cadastre as c
from core.domain import metering as m
from core.domain import reference as r
from core.extensions import db
from core.gsan_import.bulk import insert_rows
from core.services.billing_rules import shift_reference

HISTORY_MONTHS = 24


class PropertyRow(NamedTuple):
    """A property of a route as the billing engine sees it."""

    id: int
    registration: int
    locality_id: int
    locality_code: int
    sector_code: int
    block_number: int
    lot: int
    sublot: int
    water_situation_id: int
    sewer_situation_id: int
    fixed_minimum_m3: int | None
    sewer_percent: int | None  # of the sewer connection, overriding the tariff's
    tariff_id: int | None  # of the property, overriding the default tariff
    billed: bool  # already has a bill for the month
    has_debits: bool
    has_credits: bool


class EconomyRow(NamedTuple):
    property_id: int
    subcategory_id: int
    category_id: int
    economies: int


class InstallationRow(NamedTuple):
    property_id: int
    id: int
    installed_on: date
    install_reading: int
    digits: int


class ReadingRow(NamedTuple):
    property_id: int
    id: int
    reference_month: int
    installation_id: int | None
    informed_reading: int | None
    informed_date: date | None
    anomaly_id: int | None
    billed_reading: int | None
    billed_date: date | None
    informed_consumption_m3: int | None
    analysis_released: bool


class HistoryRow(NamedTuple):
    property_id: int
    reference_month: int
    billed_m3: int
    consumption_type: str
    held: bool


class DebitRow(NamedTuple):
    property_id: int
    id: int
    debit_type_id: int
    total: Decimal
    installments: int
    installments_billed: int


class CreditRow(NamedTuple):
    property_id: int
    id: int
    credit_type_id: int
    total: Decimal
    installments: int
    installments_realised: int
    residual: Decimal


def among(column, ids: list[int]):
    """Return ``column IN ids``; on PostgreSQL as ``= ANY(array)``.

    The array keeps one SQL text for every batch size, so the driver parses
    and prepares it once instead of once per distinct IN list.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam("ids", ids, type_=ARRAY(Integer)))
    return column.in_(ids)


def _rows(statement) -> list:
    return db.session.execute(statement).all()


def route_properties(route_id: int, month: int) -> list[PropertyRow]:
    """Return the properties of a route with their cadastre and billed flag."""
    p = c.Property.__table__
    blk, sec, loc = c.Block.__table__, c.Sector.__table__, c.Locality.__table__
    wc, sc = c.WaterConnection.__table__, c.SewerConnection.__table__
    pt, bill = b.PropertyTariff.__table__, b.Bill.__table__
    billed = exists().where(
        and_(bill.c.property_id == p.c.id, bill.c.reference_month == month)
    )
    pd, pc = b.PendingDebit.__table__, b.PendingCredit.__table__
    debits = exists().where(
        pd.c.property_id == p.c.id, pd.c.status == "pending", pd.c.first_month <= month
    )
    credits = exists().where(
        pc.c.property_id == p.c.id, pc.c.status == "pending", pc.c.first_month <= month
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
            debits.label("has_debits"),
            credits.label("has_credits"),
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
    return [PropertyRow._make(row) for row in _rows(statement)]


def _grouped(statement, kind) -> dict[int, list]:
    """Return the rows as ``kind`` tuples, grouped by their first column."""
    grouped: dict[int, list] = defaultdict(list)
    for row in _rows(statement):
        grouped[row[0]].append(kind._make(row))
    return grouped


def economies(ids: list[int]) -> dict[int, list]:
    """Return (property, subcategory, category, economies) per property."""
    ps, sub = c.PropertySubcategory.__table__, r.Subcategory.__table__
    return _grouped(
        select(ps.c.property_id, ps.c.subcategory_id, sub.c.category_id, ps.c.economies)
        .join(sub, ps.c.subcategory_id == sub.c.id)
        .where(among(ps.c.property_id, ids))
        .order_by(ps.c.property_id, sub.c.category_id, ps.c.subcategory_id),
        EconomyRow,
    )


def current_installations(ids: list[int]) -> dict[int, InstallationRow]:
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
            among(mi.c.property_id, ids),
            mi.c.removed_on.is_(None),
            mi.c.measurement_type == "water",
        )
    )
    return {row[0]: InstallationRow._make(row) for row in rows}


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
            among(rd.c.property_id, ids),
            rd.c.measurement_type == "water",
            rd.c.reference_month <= month,
            rd.c.reference_month > shift_reference(month, -HISTORY_MONTHS),
        )
        .order_by(rd.c.property_id, rd.c.reference_month.desc()),
        ReadingRow,
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
            among(ch.c.property_id, ids),
            ch.c.connection_type == "water",
            ch.c.reference_month < month,
            ch.c.reference_month >= shift_reference(month, -months),
        ),
        HistoryRow,
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
            among(pd.c.property_id, ids),
            pd.c.status == "pending",
            pd.c.first_month <= month,
            pd.c.installments_billed < pd.c.installments,
        )
        .order_by(pd.c.property_id, pd.c.id),
        DebitRow,
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
            among(pc.c.property_id, ids),
            pc.c.status == "pending",
            pc.c.first_month <= month,
        )
        .order_by(pc.c.property_id, pc.c.id),
        CreditRow,
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


def insert_bills(rows: list[dict]) -> list[int]:
    """Insert bills and return their ids, in the order of ``rows``.

    PostgreSQL draws the ids from the table's sequence in one query and
    COPYs the rows; elsewhere one INSERT ... RETURNING does both. Either way
    no lookup by property follows, whose plan would depend on statistics
    the growing table does not have yet.
    """
    table = b.Bill.__table__
    if db.session.get_bind().dialect.name != "postgresql":
        result = db.session.connection().execute(
            insert(table).returning(table.c.id, sort_by_parameter_order=True), rows
        )
        return list(result.scalars())
    ids = db.session.scalars(
        text(
            "SELECT nextval(pg_get_serial_sequence('bill', 'id')) "
            "FROM generate_series(1, :n)"
        ),
        {"n": len(rows)},
    ).all()
    insert_rows(
        db.session, table, [dict(row, id=i) for row, i in zip(rows, ids, strict=True)]
    )
    return ids


def update_by_id(table, rows: list[dict]) -> None:
    """Update each row whose id is ``row["pk"]`` with the row's other values.

    PostgreSQL gets one ``UPDATE ... FROM unnest(arrays)`` whose text does
    not change with the number of rows; other databases an executemany.
    """
    if db.session.get_bind().dialect.name != "postgresql":
        db.session.connection().execute(
            update(table).where(table.c.id == bindparam("pk")), rows
        )
        return
    names = [name for name in rows[0] if name != "pk"]
    pg = postgresql.dialect()
    arrays = ", ".join(
        f"CAST(:{name} AS {table.c[name].type.compile(dialect=pg)}[])" for name in names
    )
    sets = ", ".join(f"{name} = v.{name}" for name in names)
    statement = text(
        f"UPDATE {table.name} SET {sets} FROM unnest(CAST(:pk AS INTEGER[]), "
        f"{arrays}) AS v(pk, {', '.join(names)}) WHERE {table.name}.id = v.pk"
    )
    params = {name: [row[name] for row in rows] for name in ["pk", *names]}
    db.session.connection().execute(statement, params)


def tune_transaction() -> None:
    """Set the current transaction up for the billing job (PostgreSQL only).

    - ``synchronous_commit`` off: the commit returns before its WAL reaches
      the disk. A server crash may lose the last batches' commits, never
      half of one, and a rerun bills them again.
    - ``plan_cache_mode`` custom: the driver prepares statements it repeats,
      and a generic plan would not see how many ids a batch passes in its
      array; each execution is planned for its own parameters instead.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL synchronous_commit TO OFF"))
        db.session.execute(text("SET LOCAL plan_cache_mode TO force_custom_plan"))
