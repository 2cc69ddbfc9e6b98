"""Tell what a property owes: open bills, slips, pending debits and credits.

This is the public question every capability asks ("is this bill paid?",
"what does this property owe today?"), so it lives in one place:

- a bill is open when its version asks to be paid (billing's status), it is
  not settled (:class:`BillSettlement`: paid or in installments) and its
  balance, the total less what classified payments applied, is positive;
- a slip is open while its status is ``open``;
- a pending debit is owed while ``pending``, for what is still to be billed;
- a pending credit can be used while ``pending``, for what it still gives.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from core.collection.charges import late_charge_rules, late_charges
from core.collection.ledger import credit_balance
from core.domain.billing import OPEN_BILL_STATUSES, Bill, PendingCredit, PendingDebit
from core.domain.collection import BillSettlement, PaymentSlip
from core.extensions import db
from core.services.late_charges import NO_CHARGES, LateCharges
from core.services.money import ZERO

APPLYING_STATUSES = ("classified", "underpaid")


def paid_on_bill(bill: Bill) -> Decimal:
    """Return what classified (or partial) payments applied to a bill."""
    from core.domain.payments import Payment

    total = db.session.scalar(
        select(func.coalesce(func.sum(Payment.applied), 0)).where(
            Payment.bill_id == bill.id, Payment.status.in_(APPLYING_STATUSES)
        )
    )
    return Decimal(total or 0)


def bill_balance(bill: Bill) -> Decimal:
    """Return what a bill still asks for (zero once settled or not payable)."""
    if not bill.is_open or db.session.get(BillSettlement, bill.id) is not None:
        return ZERO
    return max(bill.total - paid_on_bill(bill), ZERO)


def is_bill_open(bill: Bill) -> bool:
    """Tell whether a bill still asks to be paid."""
    return bill_balance(bill) > 0


def open_bills(property_id: int, due_before: date | None = None) -> list[Bill]:
    """Return a property's open bills, oldest first (due before a day, if given)."""
    query = (
        select(Bill)
        .outerjoin(BillSettlement, BillSettlement.bill_id == Bill.id)
        .where(Bill.property_id == property_id,
               Bill.status.in_(OPEN_BILL_STATUSES),
               BillSettlement.bill_id.is_(None))
        .order_by(Bill.reference_month, Bill.id)
    )
    if due_before is not None:
        query = query.where(Bill.due_date < due_before)
    return [bill for bill in db.session.scalars(query) if bill_balance(bill) > 0]


def open_slips(property_id: int, due_before: date | None = None) -> list[PaymentSlip]:
    """Return a property's open payment slips, oldest first."""
    query = select(PaymentSlip).where(
        PaymentSlip.property_id == property_id, PaymentSlip.status == "open"
    ).order_by(PaymentSlip.due_date, PaymentSlip.id)
    if due_before is not None:
        query = query.where(PaymentSlip.due_date < due_before)
    return list(db.session.scalars(query))


def open_debits(property_id: int) -> list[PendingDebit]:
    """Return a property's pending debits with something still to bill."""
    rows = db.session.scalars(
        select(PendingDebit).where(PendingDebit.property_id == property_id,
                                   PendingDebit.status == "pending")
        .order_by(PendingDebit.id)
    )
    return [row for row in rows if row.balance() > 0]


def open_credits(property_id: int) -> list[PendingCredit]:
    """Return a property's pending credits with something still to give."""
    rows = db.session.scalars(
        select(PendingCredit).where(PendingCredit.property_id == property_id,
                                    PendingCredit.status == "pending")
        .order_by(PendingCredit.id)
    )
    return [row for row in rows if credit_balance(row) > 0]


@dataclass
class Debt:
    """One line of what a property owes, with its late charges to a day."""

    kind: str  # bill | slip | debit | credit
    row: object
    description: str
    reference_month: int | None
    due_date: date | None
    amount: Decimal
    charges: LateCharges = field(default=NO_CHARGES)

    @property
    def total(self) -> Decimal:
        """Return what the line adds to the debt (credits subtract)."""
        value = self.amount + self.charges.total
        return -value if self.kind == "credit" else value


def _bill_line(bill: Bill, until: date, prop, rules) -> Debt:
    balance = bill_balance(bill)
    charges = late_charges(balance, bill.due_date, until, prop, rules=rules)
    return Debt("bill", bill, f"Conta {bill.reference_display}", bill.reference_month,
                bill.due_date, balance, charges)


def _slip_line(slip: PaymentSlip, until: date, prop, rules) -> Debt:
    charges = NO_CHARGES
    if slip.charges_fine:
        charges = late_charges(slip.amount, slip.due_date, until, prop, rules=rules)
    label = slip.description or (slip.debit_type.label if slip.debit_type else "")
    return Debt("slip", slip, f"Guia {slip.id} — {label}", slip.reference_month,
                slip.due_date, slip.amount, charges)


def property_debts(prop, until: date, *, bills: bool = True, slips: bool = True,
                   debits: bool = True, credits: bool = True,
                   due_before: date | None = None, rules=None) -> list[Debt]:
    """Return what a property owes, each line with its late charges to ``until``.

    ``rules`` (the company's late-charge rules) may be read once by a
    caller that goes through many properties.
    """
    lines: list[Debt] = []
    rules = rules or late_charge_rules()
    if bills:
        lines += [_bill_line(b, until, prop, rules)
                  for b in open_bills(prop.id, due_before)]
    if slips:
        lines += [_slip_line(s, until, prop, rules)
                  for s in open_slips(prop.id, due_before)]
    if debits:
        lines += [Debt("debit", d, d.description or str(d.debit_type),
                       d.reference_month, None, d.balance())
                  for d in open_debits(prop.id)]
    if credits:
        lines += [Debt("credit", c, c.description or str(c.credit_type),
                       c.reference_month, None, credit_balance(c))
                  for c in open_credits(prop.id)]
    return lines


def total_of(lines: list[Debt]) -> Decimal:
    """Return the sum a list of debt lines comes to."""
    return sum((line.total for line in lines), ZERO)
