"""Compute the late charges of an overdue debt: fine, interest, monetary update.

GSAN's rule (core-domain.md §3.2 "Late-payment charges";
cobranca-faturamento.md §1.2-1), with the company's parameters:

- nothing is charged for a direct-debit payment, nor when the payment is at
  most ``tolerance_business_days`` business days late; lateness is counted
  from the due date rolled to a business day, so a bill due on a weekend or
  holiday and paid on the next business day pays nothing;
- the fine is a percentage charged once (or per day, up to a cap) on the
  amount less the fines already charged;
- interest is a monthly percentage: pro rata die over a 30-day month,
  per whole month late, or a percentage per day, capped when a cap is set;
- the monetary update is ``amount × (factor at payment / factor at due − 1)``
  when an index is given and the debt is late more months than the
  company's threshold;
- each result is rounded half-up to the cent.

Days late are calendar days from the original due date. Choosing the index
row (``indices_acresc_impont`` of the month before the due date) is the
caller's job: it passes the resolved rates in :class:`LateChargeRules`.
"""

from __future__ import annotations

import calendar as gregorian
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from core.services.calendar import BusinessCalendar
from core.services.money import ZERO, MoneyInput, to_decimal, to_money


class FineMode(StrEnum):
    """How the fine percentage applies."""

    ONCE = "once"  # the percentage, once
    DAILY = "daily"  # the percentage per day late, up to the cap


class InterestMode(StrEnum):
    """How the interest percentage applies."""

    PRO_RATA_DIE = "pro_rata_die"  # monthly %, × days late / 30
    MONTHLY = "monthly"  # monthly %, × whole months late
    DAILY = "daily"  # % per day, × days late


@dataclass(frozen=True)
class LateChargeRules:
    """A company's late-charge parameters and the index rates in force.

    ``interest_percent`` is per month, except under ``InterestMode.DAILY``
    where it is per day. Caps are percentages of the amount.
    """

    fine_percent: Decimal = Decimal(0)
    interest_percent: Decimal = Decimal(0)
    fine_mode: FineMode = FineMode.ONCE
    interest_mode: InterestMode = InterestMode.PRO_RATA_DIE
    fine_cap_percent: Decimal | None = None
    interest_cap_percent: Decimal | None = None
    tolerance_business_days: int = 0
    correction_after_months: int | None = None
    days_in_month: int = 30


@dataclass(frozen=True)
class MonetaryIndex:
    """The correction factors at the due date and at the payment date."""

    due_factor: Decimal
    payment_factor: Decimal


@dataclass(frozen=True)
class LateCharges:
    """The late charges of one debt and the lateness they were computed on."""

    days_late: int
    business_days_late: int
    months_late: int
    fine: Decimal
    interest: Decimal
    monetary_update: Decimal

    @property
    def total(self) -> Decimal:
        """Return fine + interest + monetary update."""
        return self.fine + self.interest + self.monetary_update


NO_CHARGES = LateCharges(0, 0, 0, ZERO, ZERO, ZERO)


def compute_late_charges(
    amount: MoneyInput,
    due_date: date,
    paid_on: date,
    rules: LateChargeRules,
    calendar: BusinessCalendar,
    *,
    fines_already_charged: MoneyInput = ZERO,
    charge_fine: bool = True,
    direct_debit: bool = False,
    index: MonetaryIndex | None = None,
) -> LateCharges:
    """Return the fine, interest and monetary update of ``amount`` paid late.

    ``charge_fine`` is false when the document's fine was already billed
    (GSAN's multa indicator); ``paid_on`` may be today for a debt still open.
    """
    value = to_decimal(amount)
    if direct_debit or paid_on <= due_date:
        return NO_CHARGES

    # Lateness; business days count from the due date rolled to a business
    # day, so paying on that day is never late.
    days = (paid_on - due_date).days
    months = months_between(due_date, paid_on)
    effective_due = calendar.roll_forward(due_date)
    business_days = calendar.business_days_between(effective_due, paid_on)
    if business_days <= rules.tolerance_business_days:
        return LateCharges(days, business_days, months, ZERO, ZERO, ZERO)

    fine = ZERO
    if charge_fine:
        fine = _fine(value - to_decimal(fines_already_charged), days, rules)
    interest = to_money(value * _interest_percent(days, months, rules) / 100)
    update = _monetary_update(value, months, rules, index)
    return LateCharges(days, business_days, months, fine, interest, update)


def months_between(start: date, end: date) -> int:
    """Count the whole months from ``start`` to ``end`` (0 if ``end`` is earlier).

    A month is whole when ``end`` reaches the same day of the month as
    ``start``, or the last day of a shorter month.
    """
    months = (end.year - start.year) * 12 + end.month - start.month
    last_day = gregorian.monthrange(end.year, end.month)[1]
    if end.day < start.day and end.day != last_day:
        months -= 1
    return max(months, 0)


def _fine(base: Decimal, days: int, rules: LateChargeRules) -> Decimal:
    """Return the fine on ``base`` for ``days`` late."""
    if base <= 0:
        return ZERO
    percent = Decimal(rules.fine_percent)
    if rules.fine_mode is FineMode.DAILY:
        percent *= days
    if rules.fine_cap_percent is not None:
        percent = min(percent, Decimal(rules.fine_cap_percent))
    return to_money(base * percent / 100)


def _interest_percent(days: int, months: int, rules: LateChargeRules) -> Decimal:
    """Return the interest percentage for the lateness, capped."""
    rate = Decimal(rules.interest_percent)
    if rules.interest_mode is InterestMode.PRO_RATA_DIE:
        percent = rate * days / rules.days_in_month
    elif rules.interest_mode is InterestMode.MONTHLY:
        percent = rate * months
    else:
        percent = rate * days
    if rules.interest_cap_percent is not None:
        percent = min(percent, Decimal(rules.interest_cap_percent))
    return percent


def _monetary_update(
    value: Decimal, months: int, rules: LateChargeRules, index: MonetaryIndex | None
) -> Decimal:
    """Return the monetary update, never negative, or zero without an index."""
    if index is None:
        return ZERO
    if rules.correction_after_months is not None:
        if months <= rules.correction_after_months:
            return ZERO
    if index.due_factor <= 0:
        raise ValueError("O fator de atualização no vencimento deve ser positivo.")
    update = value * (Decimal(index.payment_factor) / Decimal(index.due_factor) - 1)
    return max(to_money(update), ZERO)
