"""Write pending debits and credits for the next bills, and read what is owed.

The single place where service, payments and collection put an amount on a
property's coming bills (billing's ``PendingDebit`` / ``PendingCredit``):
the price of a work order, the late charges of a bill paid late, an
installment plan, an overpayment. ``origin`` and ``origin_id`` say who
created each row.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from core.clock import today
from core.domain.billing import CreditType, PendingCredit, PendingDebit
from core.domain.cadastre import Property
from core.domain.reference import DebitType
from core.extensions import db
from core.services.money import ZERO, installment_amount, to_money


def month_of(day: date) -> int:
    """Return the reference month YYYYMM of a day."""
    return day.year * 100 + day.month


def next_billing_month(prop: Property) -> int:
    """Return the month of the next bill of a property.

    The open month of the property's billing group when it has one, else
    the current month.
    """
    route = prop.block.route if prop.block is not None else None
    group = route.billing_group if route is not None else None
    if group is not None and group.reference_month:
        return group.reference_month
    return month_of(today())


def debit_type(code: str) -> DebitType:
    """Return the debit type of ``code``; refuse one not loaded."""
    row = db.session.scalar(select(DebitType).where(DebitType.code == code))
    if row is None:
        raise LookupError(f"Tipo de débito '{code}' não cadastrado.")
    return row


def credit_type(code: str) -> CreditType:
    """Return the credit type of ``code``; refuse one not loaded."""
    row = db.session.scalar(select(CreditType).where(CreditType.code == code))
    if row is None:
        raise LookupError(f"Tipo de crédito '{code}' não cadastrado.")
    return row


def add_pending_debit(prop: Property, type_code: str, total: Decimal, *,
                      installments: int = 1, description: str | None = None,
                      origin: str, origin_id: int | None = None,
                      reference_month: int | None = None) -> PendingDebit:
    """Put ``total`` on the property's next bills, in ``installments``."""
    row = PendingDebit(
        property=prop, debit_type=debit_type(type_code), description=description,
        total=to_money(total), installments=installments, installments_billed=0,
        reference_month=reference_month, first_month=next_billing_month(prop),
        status="pending", origin=origin, origin_id=origin_id,
    )
    db.session.add(row)
    return row


def add_pending_credit(prop: Property, type_code: str, total: Decimal, *,
                       description: str | None = None, origin: str,
                       origin_id: int | None = None) -> PendingCredit:
    """Deduct ``total`` from the property's next bills."""
    row = PendingCredit(
        property=prop, credit_type=credit_type(type_code), description=description,
        total=to_money(total), installments=1, installments_realised=0,
        residual=ZERO, first_month=next_billing_month(prop), status="pending",
        origin=origin, origin_id=origin_id,
    )
    db.session.add(row)
    return row


def credit_balance(credit: PendingCredit) -> Decimal:
    """Return what a pending credit still has to give: installments + residual."""
    left = sum(
        (installment_amount(credit.total, credit.installments, number)
         for number in range(credit.installments_realised + 1,
                             credit.installments + 1)),
        ZERO,
    )
    return left + (credit.residual or ZERO)


def debits_of(origin: str, origin_id: int) -> list[PendingDebit]:
    """Return the pending debits a row created (by origin and its id)."""
    return list(db.session.scalars(
        select(PendingDebit).where(PendingDebit.origin == origin,
                                   PendingDebit.origin_id == origin_id)
        .order_by(PendingDebit.id)
    ))


def credits_of(origin: str, origin_id: int) -> list[PendingCredit]:
    """Return the pending credits a row created (by origin and its id)."""
    return list(db.session.scalars(
        select(PendingCredit).where(PendingCredit.origin == origin,
                                    PendingCredit.origin_id == origin_id)
        .order_by(PendingCredit.id)
    ))
