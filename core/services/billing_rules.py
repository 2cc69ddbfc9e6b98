"""Pure rules of bill generation: reference months, debits, credits, txid.

- Reference months are ints YYYYMM (core-domain.md §0.2).
- A pending debit charges one installment per bill: the total divided by
  the installments, rounded down to the cent, the last absorbing the
  remainder (core-domain.md §3.1 step 4, specs/README.md rule 6).
- Pending credits are used in order against what the bill charges (water +
  sewer + debits): each contributes its next installment plus the residual
  earlier bills could not use; the bill never goes below zero and what it
  cannot use is carried to the next bill (step 5).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from core.services.money import ZERO, installment_amount, to_money

MIN_YEAR, MAX_YEAR = 1990, 2100


def check_reference_month(value: object) -> int:
    """Return ``value`` as a YYYYMM int, refusing anything else in Portuguese."""
    try:
        month = int(str(value).strip())
    except (TypeError, ValueError):
        raise ValueError(f"Referência inválida: {value!r}; use AAAAMM.") from None
    year, number = divmod(month, 100)
    if not (MIN_YEAR <= year <= MAX_YEAR and 1 <= number <= 12):
        raise ValueError(f"Referência inválida: {value!r}; use AAAAMM.")
    return month


def next_reference(month: int) -> int:
    """Return the YYYYMM after ``month``."""
    year, number = divmod(month, 100)
    return (year + 1) * 100 + 1 if number == 12 else month + 1


def shift_reference(month: int, months: int) -> int:
    """Return ``month`` moved by ``months`` (negative goes back)."""
    year, number = divmod(month, 100)
    index = year * 12 + number - 1 + months
    return (index // 12) * 100 + index % 12 + 1


def reference_of(day: date) -> int:
    """Return the YYYYMM of a date."""
    return day.year * 100 + day.month


def format_reference(month: int) -> str:
    """Return a YYYYMM as MM/AAAA."""
    return f"{month % 100:02d}/{month // 100}"


@dataclass(frozen=True)
class DueInstallment:
    """The installment of a pending debit a bill charges."""

    debit_id: int
    number: int
    installments: int
    amount: Decimal
    finishes: bool


def due_installment(
    debit_id: int, total: Decimal, installments: int, billed: int
) -> DueInstallment | None:
    """Return the next installment of a debit, or None when all are billed."""
    if installments < 1:
        raise ValueError("A quantidade de parcelas deve ser pelo menos 1.")
    number = billed + 1
    if number > installments:
        return None
    amount = installment_amount(total, installments, number)
    return DueInstallment(
        debit_id, number, installments, amount, number == installments
    )


@dataclass(frozen=True)
class CreditBalance:
    """What a pending credit offers this month.

    ``installment`` is the amount of its next installment (None when every
    installment was realised); ``residual`` what earlier bills left unused.
    """

    credit_id: int
    installment_number: int | None
    installment: Decimal | None
    residual: Decimal


@dataclass(frozen=True)
class CreditUse:
    """How a bill used one pending credit and what is left of it."""

    credit_id: int
    installment_number: int | None
    used: Decimal
    residual: Decimal


def credit_balance(
    credit_id: int, total: Decimal, installments: int, realised: int, residual: Decimal
) -> CreditBalance:
    """Return what a credit offers this month: next installment plus residual."""
    number = realised + 1
    if number > installments:
        return CreditBalance(credit_id, None, None, to_money(residual))
    amount = installment_amount(total, installments, number)
    return CreditBalance(credit_id, number, amount, to_money(residual))


def apply_credits(charge: Decimal, credits: Sequence[CreditBalance]) -> list[CreditUse]:
    """Use ``credits`` in order against ``charge``; never below zero.

    Every credit with an installment left realises it this month, even when
    the bill is already covered: what is not used goes to its residual.
    """
    remaining = max(to_money(charge), ZERO)
    uses = []
    for credit in credits:
        available = credit.residual + (credit.installment or ZERO)
        used = min(available, remaining)
        remaining -= used
        uses.append(
            CreditUse(
                credit.credit_id, credit.installment_number, used, available - used
            )
        )
    return uses


def bill_txid(registration: int, month: int, version: int = 0) -> str:
    """Return the Pix txid of a bill: matrícula, reference and version digits."""
    return f"{registration:09d}{month:06d}{version:02d}"
