"""Compute the late charges of a debt with the company's parameters and calendar.

The arithmetic is the pure service ``core.services.late_charges``; this
module feeds it the company's rates (``core.late_*`` parameters), its
business-day calendar and the monetary index of ``MonetaryIndex``:
the factor of the month before the due date against the factor of the
payment month (the latest one known up to it).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from core.calendar_service import business_calendar
from core.domain.collection import MonetaryIndex
from core.extensions import db
from core.params import get_parameter
from core.services.late_charges import (
    NO_CHARGES,
    FineMode,
    InterestMode,
    LateChargeRules,
    LateCharges,
    compute_late_charges,
)
from core.services.late_charges import (
    MonetaryIndex as IndexPair,
)


def late_charge_rules() -> LateChargeRules:
    """Return the company's late-charge rules from its parameters."""
    def value(key):
        return get_parameter("core", key)

    return LateChargeRules(
        fine_percent=value("late_fine_percent") or Decimal(0),
        interest_percent=value("late_interest_percent") or Decimal(0),
        fine_mode=FineMode(value("late_fine_mode") or "once"),
        interest_mode=InterestMode(value("late_interest_mode") or "pro_rata_die"),
        fine_cap_percent=value("late_fine_cap_percent"),
        interest_cap_percent=value("late_interest_cap_percent"),
        tolerance_business_days=value("late_tolerance_business_days") or 0,
        correction_after_months=value("monetary_update_after_months"),
    )


def _previous_month(month: int) -> int:
    year, number = divmod(month, 100)
    return (year - 1) * 100 + 12 if number == 1 else month - 1


def monetary_index(due_date: date, paid_on: date) -> IndexPair | None:
    """Return the factors at the due date and at payment, or None if unknown."""
    due_month = _previous_month(due_date.year * 100 + due_date.month)
    due = db.session.get(MonetaryIndex, due_month)
    paid = db.session.scalar(
        select(MonetaryIndex)
        .where(MonetaryIndex.reference_month <= paid_on.year * 100 + paid_on.month)
        .order_by(MonetaryIndex.reference_month.desc()).limit(1)
    )
    if due is None or paid is None:
        return None
    return IndexPair(due_factor=due.factor, payment_factor=paid.factor)


def charges_on_property(prop) -> bool:
    """Tell whether the property's categories pay late charges at all."""
    categories = [e.subcategory.category for e in prop.economies]
    return not categories or any(c.charges_late_fees for c in categories)


def late_charges(amount: Decimal, due_date: date, paid_on: date, prop=None, *,
                 charge_fine: bool = True, rules: LateChargeRules | None = None
                 ) -> LateCharges:
    """Return the late charges of ``amount`` due on ``due_date``, paid ``paid_on``.

    ``rules`` saves reading the parameters again when a caller computes
    many debts in a row.
    """
    if amount <= 0 or paid_on <= due_date:
        return NO_CHARGES
    if prop is not None and not charges_on_property(prop):
        return NO_CHARGES
    return compute_late_charges(
        amount, due_date, paid_on, rules or late_charge_rules(), business_calendar(),
        charge_fine=charge_fine, index=monetary_index(due_date, paid_on),
    )
