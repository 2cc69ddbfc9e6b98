"""Classify payments against the bill, slip or collection document they pay.

core-domain.md §3.3 (UC0300), with GSAN's tolerance (``payment_tolerance``,
R$ 0,03 by default). Payments are taken oldest first; for each one the
document's balance is what it asks less what earlier payments applied:

- the balance is paid when the amount reaches it within the tolerance: the
  payment is ``classified`` (with the partial payments before it) and the
  document settled; what exceeds the balance by more than the tolerance
  becomes a pending credit for the next bills;
- a smaller amount is ``underpaid``: applied, and the rest stays open;
- a document already paid makes the payment a ``duplicate`` (listed for
  refund or credit, by hand); one cancelled or put into installments makes
  it ``not_payable``; no document, ``unknown_document``.

A bill or slip paid after its due date gets its late charges (fine,
interest, monetary update) as pending debits on the next bills; a bill due
on a weekend or holiday and paid on the next business day gets none.

Only ``pending`` payments not classified by hand are ever touched, so
reprocessing changes nothing that was decided before.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select

from core.collection.charges import late_charge_rules, late_charges
from core.collection.debts import APPLYING_STATUSES, bill_balance
from core.collection.documents import item_still_open, settle_item
from core.collection.installments import down_payment_paid, plan_of_slip
from core.collection.ledger import add_pending_credit, add_pending_debit, month_of
from core.collection.reconnection import debts_settled
from core.domain.base import utcnow
from core.domain.collection import BillSettlement
from core.domain.payments import Payment
from core.extensions import db
from core.params import get_parameter
from core.services.late_charges import LateChargeRules
from core.services.money import ZERO, to_money

log = logging.getLogger(__name__)
LATE_CHARGE_TYPES = (("fine", "late_fine", "Multa"), ("interest", "late_interest",
                     "Juros de mora"), ("monetary_update", "monetary_update",
                     "Atualização monetária"))


def tolerance() -> Decimal:
    """Return the company's classification tolerance in reais."""
    value = get_parameter("core", "payment_tolerance")
    return to_money(value if value is not None else Decimal("0.03"))


@dataclass(frozen=True)
class _Run:
    """The parameters a classification run reads once, not per payment."""

    tolerance: Decimal
    rules: LateChargeRules

    @classmethod
    def read(cls) -> _Run:
        return cls(tolerance(), late_charge_rules())


@dataclass
class _After:
    """What to do once a payment's writes are flushed."""

    prop: object = None
    plan: object = None


def classify_payments(payment_ids: list[int] | None = None) -> dict[str, int]:
    """Classify the pending payments (those of ``payment_ids``, or all of them)."""
    query = select(Payment).where(Payment.status == "pending",
                                  Payment.manual.is_(False))
    if payment_ids is not None:
        if not payment_ids:
            return {}
        query = query.where(Payment.id.in_(payment_ids))
    run, counts = _Run.read(), Counter()
    payments = db.session.scalars(query.order_by(Payment.paid_on, Payment.id)).all()
    for payment in payments:
        classify_one(payment, run)
        counts[payment.status] += 1
    return dict(counts)


def classify_one(payment: Payment, run: _Run | None = None) -> None:
    """Classify one payment by the kind of document it pays."""
    run = run or _Run.read()
    kind = payment.document_kind
    with db.session.no_autoflush:  # one flush per payment, not one per query
        if kind == "bill" and payment.bill is not None:
            after = _bill(payment, run)
        elif kind == "slip" and payment.payment_slip is not None:
            after = _slip(payment, run)
        elif kind == "document" and payment.collection_document is not None:
            after = _document(payment, run)
        else:
            _set(payment, "unknown_document", ZERO, "Documento inexistente.")
            after = _After()
        payment.classified_at = utcnow()
    db.session.flush()
    if after.plan is not None:
        down_payment_paid(after.plan, payment.paid_on)
    elif after.prop is not None:
        debts_settled(after.prop, "paid")
    log.info("payment %s classified as %s", payment.id, payment.status)


def _set(payment: Payment, status: str, applied: Decimal, note: str | None = None):
    payment.previous_status, payment.status = payment.status, status
    payment.applied = to_money(applied)
    payment.excess = to_money(payment.amount - payment.applied)
    if note:
        payment.note = note


def _applied_before(payment: Payment, column) -> Decimal:
    total = db.session.scalar(select(func.coalesce(func.sum(Payment.applied), 0)).where(
        column == getattr(payment, column.key), Payment.id != payment.id,
        Payment.status.in_(APPLYING_STATUSES)))
    return Decimal(total or 0)


def _settle_amount(payment: Payment, balance: Decimal, column, run: _Run) -> bool:
    """Apply the payment to a balance; return whether the balance is paid."""
    if payment.amount >= balance - run.tolerance:
        _set(payment, "classified", min(payment.amount, balance))
        for earlier in db.session.scalars(select(Payment).where(
                column == getattr(payment, column.key), Payment.id != payment.id,
                Payment.status == "underpaid")):
            earlier.previous_status, earlier.status = earlier.status, "classified"
        return True
    _set(payment, "underpaid", payment.amount,
         f"Faltam {to_money(balance - payment.amount)} para quitar o documento.")
    return False


def _excess_credit(payment: Payment, prop, run: _Run) -> None:
    if prop is not None and payment.excess > run.tolerance:
        add_pending_credit(prop, "other_refund", payment.excess,
                           description=f"Pagamento {payment.id} a maior",
                           origin="payment", origin_id=payment.id)


def _late_debits(payment: Payment, amount: Decimal, due_date, prop, run: _Run) -> None:
    charges = late_charges(amount, due_date, payment.paid_on, prop, rules=run.rules)
    for attribute, code, label in LATE_CHARGE_TYPES:
        value = getattr(charges, attribute)
        if value > 0:
            add_pending_debit(prop, code, value, description=f"{label} — pagamento "
                              f"{payment.id} em {payment.paid_on:%d/%m/%Y}",
                              origin="late_payment", origin_id=payment.id,
                              reference_month=month_of(payment.paid_on))


def _bill(payment: Payment, run: _Run) -> _After:
    bill = payment.bill
    settlement = db.session.get(BillSettlement, bill.id)
    if not bill.is_open or (settlement and settlement.status == "installment"):
        _set(payment, "not_payable", ZERO, "Conta cancelada ou parcelada.")
        return _After()
    if settlement is not None or bill_balance(bill) <= 0:
        _set(payment, "duplicate", ZERO, "Conta já paga.")
        return _After()
    balance = bill.total - _applied_before(payment, Payment.bill_id)
    if not _settle_amount(payment, balance, Payment.bill_id, run):
        return _After()
    db.session.add(BillSettlement(bill=bill, status="paid", paid_on=payment.paid_on))
    _late_debits(payment, bill.total, bill.due_date, bill.property, run)
    _excess_credit(payment, bill.property, run)
    return _After(prop=bill.property)


def _slip(payment: Payment, run: _Run) -> _After:
    slip = payment.payment_slip
    if slip.status == "paid":
        _set(payment, "duplicate", ZERO, "Guia já paga.")
        return _After()
    if slip.status != "open":
        _set(payment, "not_payable", ZERO, f"Guia {slip.status_label.lower()}.")
        return _After()
    balance = slip.amount - _applied_before(payment, Payment.payment_slip_id)
    if not _settle_amount(payment, balance, Payment.payment_slip_id, run):
        return _After()
    slip.status, slip.paid_on = "paid", payment.paid_on
    if slip.property is not None and slip.charges_fine:
        _late_debits(payment, slip.amount, slip.due_date, slip.property, run)
    _excess_credit(payment, slip.property, run)
    return _After(prop=slip.property, plan=plan_of_slip(slip))


def _document(payment: Payment, run: _Run) -> _After:
    document = payment.collection_document
    if document.debt_status == "paid":
        _set(payment, "duplicate", ZERO, "Documento já pago.")
        return _After()
    if document.debt_status != "pending":
        _set(payment, "not_payable", ZERO,
             f"Documento {document.debt_status_label.lower()}.")
        return _After()
    column = Payment.collection_document_id
    balance = document.total - _applied_before(payment, column)
    if not _settle_amount(payment, balance, column, run):
        return _After()
    gone = ZERO  # debts the document lists that were settled another way
    for item in document.items:
        if item_still_open(item):
            settle_item(item, payment.paid_on, document=document)
            item.debt_status = "paid"
        else:
            gone += item.total
            item.debt_status = "cancelled"
    if gone > 0:
        payment.applied = to_money(payment.applied - gone)
        payment.excess = to_money(payment.amount - payment.applied)
    document.debt_status, document.paid_on = "paid", payment.paid_on
    if document.action_status == "pending" and document.kind != "statement":
        document.action_status = "suspended"
    _excess_credit(payment, document.property, run)
    return _After(prop=document.property)
