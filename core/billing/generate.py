"""Decide a route's consumption for a month and bill it, batch by batch.

One batch of properties is one transaction: its consumption history, its
billed readings, its bills with their lines and the installments of its
pending debits and credits are written together in a few statements
(inserts by COPY on PostgreSQL, executemany elsewhere; updates by one
``UPDATE ... FROM unnest()`` on PostgreSQL, executemany elsewhere) and
committed at once; nothing goes through the ORM row by row. A crash
between batches leaves whole batches behind, and a rerun skips every
property that already has a bill for the month, so nothing is ever
charged twice. Two runs racing on the same route collide on the bill's
unique key: the loser's batch is rolled back and reported.
"""

from __future__ import annotations

import logging
from collections import Counter

from flask import current_app
from psycopg.errors import UniqueViolation
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from core.billing import queries
from core.billing.context import RouteRun, prepare_route
from core.billing.decide import Outcome, PropertyInput, decide_property, is_billable
from core.billing.errors import BillingError
from core.domain import billing as b
from core.domain import metering as m
from core.domain.base import utcnow
from core.extensions import db
from core.gsan_import.bulk import insert_rows
from core.plugins import call_in_order
from core.services.identifiers import format_registration

log = logging.getLogger(__name__)
BATCH_SIZE = 500
# A duplicate bill: SQLAlchemy's error, or psycopg's own when COPY hit it.
CONFLICTS: tuple[type[Exception], ...] = (IntegrityError, UniqueViolation)


def process_route(
    ctx, group_id: int, month: int, route_id: int, bill: bool = True
) -> Counter:
    """Decide (and with ``bill``, bill) every unbilled property of a route.

    ``ctx`` is the job's :class:`~core.toolkits.jobs.JobContext`: counts go
    to it and every held or refused property is listed on it.
    """
    queries.tune_transaction()
    # Readings that plugins hold (self-reading) become the core's first.
    call_in_order(current_app.extensions["sanea.pm"], "sanea_route_readings",
                  ctx=ctx, route_id=route_id, reference_month=month)
    run = prepare_route(group_id, month, route_id, bill, ctx.run_id)
    rows = queries.route_properties(route_id, month)
    pending = [row for row in rows if not row.billed]
    ctx.count("already_billed", len(rows) - len(pending))
    for start in range(0, len(pending), BATCH_SIZE):
        _process_batch(ctx, run, pending[start : start + BATCH_SIZE])
    return ctx.counts


def _load(batch: list, month: int, run: RouteRun) -> list[PropertyInput]:
    ids = [row.id for row in batch]
    months = run.settings.average_months + run.settings.extra_months
    economies = queries.economies(ids)
    installations = queries.current_installations(ids)
    readings = queries.readings(ids, month)
    history = queries.water_history(ids, month, months)
    debits, credits = {}, {}
    if run.bill and any(row.has_debits for row in batch):
        debits = queries.pending_debits(ids, month)
    if run.bill and any(row.has_credits for row in batch):
        credits = queries.pending_credits(ids, month)
    return [
        PropertyInput(
            row,
            economies.get(row.id, []),
            installations.get(row.id),
            readings.get(row.id, []),
            history.get(row.id, []),
            debits.get(row.id, []),
            credits.get(row.id, []),
        )
        for row in batch
    ]


def _process_batch(ctx, run: RouteRun, batch: list) -> None:
    queries.tune_transaction()
    billable = [row for row in batch if is_billable(row, run)]
    counts: Counter = Counter(not_billable=len(batch) - len(billable))
    listed: list[tuple[str, str]] = []
    outcomes: list[Outcome] = []
    for data in _load(billable, run.month, run):
        ref = format_registration(data.row.registration)
        try:
            outcome = decide_property(data, run)
        except (BillingError, ValueError) as exc:
            counts["refused"] += 1
            listed.append((f"Imóvel não faturado: {exc}", ref))
            continue
        outcomes.append(outcome)
        counts.update(outcome.counts)
        listed += [(note, ref) for note in outcome.notes]
        if outcome.held:
            counts["held"] += 1
            listed.append((outcome.held, ref))
    try:
        write_outcomes(outcomes, run.month)
        db.session.commit()
    except CONFLICTS:
        db.session.rollback()
        log.warning(
            "billing route %s month %s: batch collided with another run",
            run.route_id,
            run.month,
        )
        ctx.count("conflicts", len(outcomes))
        ctx.error(
            "Lote já gravado por outra execução simultânea; nada foi "
            "cobrado duas vezes. Rode a rotina novamente.",
            f"rota {run.route_id}",
        )
        return
    ctx.counts.update(counts)
    for message, ref in listed:
        ctx.error(message, ref)


def write_outcomes(outcomes: list[Outcome], month: int) -> None:
    """Write a batch's consumption, readings, bills and installments."""
    if not outcomes:
        return
    conn = db.session.connection()
    ids = [outcome.property_id for outcome in outcomes]
    history = m.ConsumptionHistory.__table__
    conn.execute(
        delete(history).where(
            queries.among(history.c.property_id, ids),
            history.c.reference_month == month,
        )
    )
    _insert(conn, history, [row for o in outcomes for row in o.consumption])
    _write_readings(conn, outcomes)
    billed = [outcome for outcome in outcomes if outcome.bill is not None]
    if not billed:
        return
    _write_bills(conn, billed)
    _update(
        conn, b.PendingDebit.__table__, [row for o in billed for row in o.debit_updates]
    )
    _update(
        conn,
        b.PendingCredit.__table__,
        [row for o in billed for row in o.credit_updates],
    )


def _insert(conn, table, rows: list[dict]) -> None:
    """Insert rows in one go: COPY on PostgreSQL, executemany elsewhere."""
    if rows:
        insert_rows(db.session, table, rows)


def _update(conn, table, rows: list[dict]) -> None:
    """Update rows by their ``pk``: one statement on PostgreSQL."""
    if rows:
        now = utcnow()
        queries.update_by_id(table, [dict(row, updated_at=now) for row in rows])


def _write_readings(conn, outcomes: list[Outcome]) -> None:
    now = utcnow()
    table = m.Reading.__table__
    updates = [o.reading for o in outcomes if o.reading and "pk" in o.reading]
    inserts = [
        dict(o.reading, created_at=now, updated_at=now)
        for o in outcomes
        if o.reading and "pk" not in o.reading
    ]
    _update(conn, table, updates)
    _insert(conn, table, inserts)


def _write_bills(conn, billed: list[Outcome]) -> None:
    now = utcnow()
    bill_ids = queries.insert_bills([dict(o.bill, created_at=now) for o in billed])
    lines = {"categories": [], "bands": [], "billed_debits": [], "realised_credits": []}
    for bill_id, outcome in zip(bill_ids, billed, strict=True):
        for name, rows in lines.items():
            rows.extend(dict(row, bill_id=bill_id) for row in getattr(outcome, name))
    _insert(conn, b.BillCategory.__table__, lines["categories"])
    _insert(conn, b.BillBand.__table__, lines["bands"])
    _insert(conn, b.BilledDebit.__table__, lines["billed_debits"])
    _insert(conn, b.RealisedCredit.__table__, lines["realised_credits"])
