"""Change issued bills: rectify, cancel, and release a held consumption.

A bill is never edited in place. Rectifying writes a new version (status
``rectified``, ``origin_bill_id`` pointing back) priced again by the
bill's tariff, and the old version becomes ``cancelled_by_rectification``;
cancelling keeps the row with its reason and gives the pending debits and
credits back what the bill took from them. Every change goes through the
ORM, so the audit trail records who did what; the caller commits.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import func, insert, select

from core.billing.context import load_settings
from core.billing.decide import bill_identifiers, bill_lines
from core.billing.errors import BillingError, refuse_if
from core.billing.tariffs import TariffBook, key_of
from core.domain import billing as b
from core.domain import metering as m
from core.domain.base import utcnow
from core.extensions import db
from core.services.billing_rules import check_reference_month, format_reference
from core.services.money import ZERO
from core.services.tariff import TariffBreakdown, compute_charges_prorated

MIN_REASON = 5


def _open_bill(bill_id: int, reason: str | None, errors: list[str]) -> b.Bill | None:
    bill = db.session.get(b.Bill, bill_id)
    if bill is None:
        errors.append(f"Conta {bill_id} não existe.")
    elif not bill.is_open:
        errors.append(f"A conta {bill_id} não está em aberto ({bill.status}).")
    if not reason or len(reason.strip()) < MIN_REASON:
        errors.append("Informe o motivo (ao menos 5 caracteres).")
    return bill


def _stamp(bill: b.Bill, reason: str, actor: str | None) -> None:
    if actor:
        db.session.info["actor"] = actor
    bill.reason = reason.strip()
    bill.changed_by = actor


def cancel_bill(bill_id: int, reason: str, actor: str | None = None) -> b.Bill:
    """Cancel an open bill and give back its debit installments and credits."""
    errors: list[str] = []
    bill = _open_bill(bill_id, reason, errors)
    refuse_if(errors)

    _stamp(bill, reason, actor)
    bill.status, bill.cancelled_at = "cancelled", utcnow()
    for debit in bill.debits:
        pending = debit.pending_debit
        pending.installments_billed = max(pending.installments_billed - 1, 0)
        pending.status = "pending"
    for credit in bill.credits:
        pending = credit.pending_credit
        pending.residual = pending.residual + credit.amount
        pending.status = "pending"
    db.session.flush()
    return bill


def _reprice(bill: b.Bill, water_m3: int) -> TariffBreakdown:
    """Price ``water_m3`` with the bill's tariff, economies and period."""
    book = TariffBook.load()
    tariff = book.tariff_for(bill.tariff_id)
    subcategories = tuple((c.subcategory_id, c.category_id) for c in bill.categories)
    end = bill.period_end or bill.issued_on
    start = bill.period_start or end
    validities = book.validities(tariff, subcategories, start, end)
    economies = {key_of(c.subcategory_id): c.economies for c in bill.categories}
    return compute_charges_prorated(
        validities,
        max(start, validities[0].valid_from),
        end,
        water_m3,
        economies,
        sewer_percent=bill.sewer_percent,
        rounding=bill.rounding,
    )


def rectify_bill(
    bill_id: int,
    reason: str,
    water_m3: int | None = None,
    due_date: date | None = None,
    actor: str | None = None,
) -> b.Bill:
    """Write a new version of an open bill with another consumption or due date.

    The amounts are priced again by the bill's tariff; the debit
    installments it charged move to the new version; its credits too, up to
    what the new version charges (the rest goes back to the credit).
    """
    errors: list[str] = []
    bill = _open_bill(bill_id, reason, errors)
    if water_m3 is None and due_date is None:
        errors.append("Informe o novo consumo ou o novo vencimento.")
    if water_m3 is not None and water_m3 < 0:
        errors.append("O consumo não pode ser negativo.")
    if bill is not None and due_date is not None and due_date < bill.issued_on:
        errors.append("O vencimento não pode ser anterior à emissão.")
    if bill is not None and not bill.categories:
        errors.append(
            f"A conta {bill_id} não tem linhas por categoria para recalcular."
        )
    refuse_if(errors)
    try:
        settings = load_settings(for_billing=True)
        breakdown = _reprice(bill, bill.water_m3 if water_m3 is None else water_m3)
    except (BillingError, ValueError) as exc:
        raise BillingError(str(exc)) from None

    new = _new_version(bill, breakdown, due_date or bill.due_date)
    _stamp(bill, reason, actor)
    _stamp(new, reason, actor)
    bill.status, bill.rectified_at = "cancelled_by_rectification", new.rectified_at
    db.session.add(new)
    db.session.flush()
    _move_lines(bill, new, breakdown)
    new.credits_value = _move_credits(bill, new)
    new.total = new.water_value + new.sewer_value + new.debits_value - new.credits_value
    settings_ids = bill_identifiers(
        new.total,
        bill.locality.code,
        bill.property.registration,
        bill.reference_month,
        new.version,
        settings,
    )
    for name, value in settings_ids.items():
        setattr(new, name, value)
    if water_m3 is not None:
        _rectify_consumption(bill, water_m3)
    db.session.flush()
    return new


def _new_version(bill: b.Bill, breakdown: TariffBreakdown, due_date: date) -> b.Bill:
    version = db.session.scalar(
        select(func.max(b.Bill.version)).where(
            b.Bill.property_id == bill.property_id,
            b.Bill.reference_month == bill.reference_month,
        )
    )
    copied = {
        column.key: getattr(bill, column.key)
        for column in b.Bill.__table__.columns
        if column.key not in ("id", "created_at")
    }
    water_billed = bill.water_value > 0 or any(
        c.water_value > 0 for c in bill.categories
    )
    return b.Bill(
        **dict(
            copied,
            version=version + 1,
            status="rectified",
            origin_bill_id=bill.id,
            water_m3=breakdown.water_m3,
            sewer_m3=breakdown.sewer_m3,
            water_value=breakdown.water if water_billed else ZERO,
            sewer_value=breakdown.sewer,
            consumption_type="informed",
            due_date=due_date,
            rectified_at=utcnow(),
            cancelled_at=None,
            job_run_id=None,
        )
    )


def _move_lines(old: b.Bill, new: b.Bill, breakdown: TariffBreakdown) -> None:
    """Write the new version's lines and move the debit installments to it."""
    economies = [(c.subcategory_id, c.category_id, c.economies) for c in old.categories]
    minimums = [c.minimum_m3 // c.economies for c in old.categories]
    categories, bands = bill_lines(
        economies, minimums, breakdown, new.water_value > 0, old.reference_month
    )
    conn = db.session.connection()
    for table, rows in ((b.BillCategory, categories), (b.BillBand, bands)):
        if rows:
            conn.execute(
                insert(table.__table__), [dict(r, bill_id=new.id) for r in rows]
            )
    for debit in old.debits:
        db.session.add(
            b.BilledDebit(
                bill_id=new.id,
                reference_month=debit.reference_month,
                pending_debit_id=debit.pending_debit_id,
                debit_type_id=debit.debit_type_id,
                installment_number=debit.installment_number,
                installments=debit.installments,
                amount=debit.amount,
            )
        )


def _move_credits(old: b.Bill, new: b.Bill) -> Decimal:
    """Carry the old version's credits, up to the new charge; return their sum."""
    room = new.water_value + new.sewer_value + new.debits_value
    used_total = ZERO
    for credit in old.credits:
        used = min(credit.amount, room - used_total)
        if credit.amount > used:
            pending = credit.pending_credit
            pending.residual = pending.residual + credit.amount - used
            pending.status = "pending"
        if used > 0:
            used_total += used
            db.session.add(
                b.RealisedCredit(
                    bill_id=new.id,
                    reference_month=credit.reference_month,
                    pending_credit_id=credit.pending_credit_id,
                    credit_type_id=credit.credit_type_id,
                    installment_number=credit.installment_number,
                    amount=used,
                )
            )
    return used_total


def _rectify_consumption(bill: b.Bill, water_m3: int) -> None:
    rows = db.session.scalars(
        select(m.ConsumptionHistory).where(
            m.ConsumptionHistory.property_id == bill.property_id,
            m.ConsumptionHistory.reference_month == bill.reference_month,
        )
    )
    for row in rows:
        row.billed_m3, row.consumption_type = water_m3, "informed"


def release_held_consumption(
    property_id: int,
    month: int,
    consumption_m3: int | None = None,
    actor: str | None = None,
) -> m.Reading:
    """Release a consumption held for analysis; the next billing run bills it.

    With ``consumption_m3`` the analyst replaces the decided consumption
    (billed as "informed"); without it the decided consumption stands.
    """
    errors = []
    month = check_reference_month(month)
    held = db.session.scalar(
        select(m.ConsumptionHistory).where(
            m.ConsumptionHistory.property_id == property_id,
            m.ConsumptionHistory.reference_month == month,
            m.ConsumptionHistory.connection_type == "water",
            m.ConsumptionHistory.held.is_(True),
        )
    )
    if held is None:
        errors.append(f"O imóvel não tem consumo retido em {format_reference(month)}.")
    if consumption_m3 is not None and consumption_m3 < 0:
        errors.append("O consumo não pode ser negativo.")
    refuse_if(errors)

    if actor:
        db.session.info["actor"] = actor
    reading = db.session.scalar(
        select(m.Reading).where(
            m.Reading.property_id == property_id,
            m.Reading.reference_month == month,
            m.Reading.measurement_type == "water",
        )
    )
    if reading is None:
        reading = m.Reading(property_id=property_id, reference_month=month)
        db.session.add(reading)
    reading.analysis_released = True
    reading.informed_consumption_m3 = consumption_m3
    db.session.flush()
    return reading
