"""Simulate installment plans: down payment, installments and interest.

One engine for every channel (specs/README.md rule 1), following
core-domain.md §3.5 with the arithmetic of integracao-portal-mobile.md §5.9:

- the financed amount is a = debt − down payment;
- with a monthly rate i (rounded to four places) the default formula takes
  the compound value vf = a · (1 + i)^n, rounded to four places and then to
  the cent, and shows the installment vf / n (seven places, then the cent);
- with the Price table (``parm_ictabelaprice = 1``) the installment is
  a · i / (1 − (1 + i)^−n) and vf is n installments;
- with no interest the installment is a / n and vf = a;
- options run from 1 to the largest maximum of the terms, each n taking the
  first term that allows it, and stop when the installment falls below the
  minimum installment or to zero.

The installments actually billed follow core-domain.md §3.1 and
specs/README.md rule 6: vf is split rounding each installment down and the
last absorbs the remainder, so the schedule can differ by a cent from the
installment shown (``100,31`` shown; ``100,31`` × 5 + ``100,33`` billed).

Limitations: discounts (§3.5 step 3) are applied before the debt reaches
this module; the special maximum of installments granted by permission is
the caller's choice of ``terms``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from core.services.money import CENT, ZERO, MoneyInput, split_installments, to_money

RATE_QUANTUM = Decimal("0.0001")
INSTALLMENT_QUANTUM = Decimal("0.0000001")


class InstallmentFormula(StrEnum):
    """How interest enters the installment."""

    COMPOUND = "compound"  # GSAN's default: vf = a · (1 + i)^n, split in n
    PRICE = "price"  # Price table (PMT)


@dataclass(frozen=True)
class InstallmentTerm:
    """One option row of a profile: up to ``max_installments`` at a rate.

    ``min_down_payment_percent`` is the minimum down payment as a
    percentage of the debt (``pqtp_pcminimoentrada``).
    """

    max_installments: int
    monthly_interest_percent: Decimal = Decimal(0)
    min_down_payment_percent: Decimal = Decimal(0)


@dataclass(frozen=True)
class InstallmentOption:
    """One simulated option: n installments after a down payment."""

    installments: int
    monthly_interest_percent: Decimal
    debt: Decimal
    minimum_down_payment: Decimal
    down_payment: Decimal
    financed: Decimal
    financed_total: Decimal
    interest: Decimal
    installment_value: Decimal
    schedule: tuple[Decimal, ...]

    @property
    def total(self) -> Decimal:
        """Return what the customer pays in all: down payment + installments."""
        return self.down_payment + self.financed_total


def installment_value(
    financed: MoneyInput,
    count: int,
    monthly_interest_percent: Decimal | int = 0,
    formula: InstallmentFormula | str = InstallmentFormula.COMPOUND,
    rounding: str = ROUND_HALF_UP,
) -> tuple[Decimal, Decimal]:
    """Return (installment shown, total financed with interest) for ``count``.

    ``rounding`` is how the compound total goes to the cent; GSAN uses
    half-down, Sanea half-up unless the company says otherwise.
    """
    if count < 1:
        raise ValueError("A quantidade de parcelas deve ser pelo menos 1.")
    amount = to_money(financed, rounding)
    rate = (Decimal(monthly_interest_percent) / 100).quantize(
        RATE_QUANTUM, rounding=ROUND_HALF_UP
    )

    if rate == 0:
        total = amount
    elif InstallmentFormula(formula) is InstallmentFormula.PRICE:
        payment = amount * rate / (1 - (1 + rate) ** -count)
        shown = to_money(payment)
        return shown, shown * count
    else:
        compound = (amount * (1 + rate) ** count).quantize(
            RATE_QUANTUM, rounding=ROUND_HALF_UP
        )
        total = compound.quantize(CENT, rounding=rounding)

    per_installment = (total / count).quantize(
        INSTALLMENT_QUANTUM, rounding=ROUND_HALF_UP
    )
    return to_money(per_installment), total


def resolve_down_payment(
    *,
    typed: MoneyInput | None = None,
    minimum: MoneyInput | None = None,
    suggested: MoneyInput | None = None,
    last_overdue_bill: MoneyInput | None = None,
    reinstallment: MoneyInput | None = None,
    may_lower: bool = False,
) -> Decimal:
    """Return the down payment of a plan (core-domain.md §3.5 step 4).

    A typed value is used as is when the clerk ``may_lower`` it (permission
    TESTAR_VAL_MINIMO_ENTRADA), else the largest of typed, minimum,
    re-installment entry and last overdue bill. With nothing typed, the
    first available of last overdue bill, suggested, minimum and
    re-installment entry.
    """
    if typed is not None:
        value = to_money(typed)
        if may_lower:
            return value
        floors = (minimum, reinstallment, last_overdue_bill)
        return max([value, *(to_money(item) for item in floors if item is not None)])

    for candidate in (last_overdue_bill, suggested, minimum, reinstallment):
        if candidate is not None:
            return to_money(candidate)
    return ZERO


def simulate_installments(
    debt: MoneyInput,
    terms: Sequence[InstallmentTerm],
    *,
    down_payment: MoneyInput | None = None,
    may_lower_down_payment: bool = False,
    suggested_down_payment_percent: Decimal | None = None,
    last_overdue_bill: MoneyInput | None = None,
    reinstallment_down_payment: MoneyInput | None = None,
    minimum_installment: MoneyInput = ZERO,
    may_lower_installment: bool = False,
    formula: InstallmentFormula | str = InstallmentFormula.COMPOUND,
    rounding: str = ROUND_HALF_UP,
) -> list[InstallmentOption]:
    """Return the installment options for ``debt`` (already discounted).

    ``minimum_installment`` is the property's water tariff minimum times
    the profile's percentage; the clerk ``may_lower_installment`` with the
    permission TESTAR_VAL_MINIMO_PRESTACAO.
    """
    value = to_money(debt, rounding)
    if value <= 0:
        raise ValueError("Não há débito a parcelar.")
    if not terms:
        raise ValueError("O perfil de parcelamento não tem opções.")
    ordered = sorted(terms, key=lambda item: item.max_installments)
    suggested = None
    if suggested_down_payment_percent is not None:
        suggested = to_money(value * Decimal(suggested_down_payment_percent) / 100)

    options = []
    for count in range(1, ordered[-1].max_installments + 1):
        term = next(item for item in ordered if item.max_installments >= count)

        # The down payment of this option, which depends on its term.
        minimum = to_money(value * Decimal(term.min_down_payment_percent) / 100)
        entry = resolve_down_payment(
            typed=down_payment,
            minimum=minimum,
            suggested=suggested,
            last_overdue_bill=last_overdue_bill,
            reinstallment=reinstallment_down_payment,
            may_lower=may_lower_down_payment,
        )
        if entry > value:
            raise ValueError("A entrada não pode ser maior que o débito.")

        # The installment; options end when it gets too small.
        financed = value - entry
        rate = Decimal(term.monthly_interest_percent)
        shown, total = installment_value(financed, count, rate, formula, rounding)
        if shown <= 0:
            break
        if shown < to_money(minimum_installment) and not may_lower_installment:
            break
        options.append(
            InstallmentOption(
                installments=count,
                monthly_interest_percent=rate,
                debt=value,
                minimum_down_payment=minimum,
                down_payment=entry,
                financed=financed,
                financed_total=total,
                interest=total - financed,
                installment_value=shown,
                schedule=tuple(split_installments(total, count)),
            )
        )
    return options
