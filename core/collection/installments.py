"""Simulate, confirm, cancel and undo installment plans (parcelamento).

core-domain.md §3.5, with the one installment engine of
``core.services.installments`` (specs/README.md rule 1). The debts are the
property's open bills and slips with their late charges to today, its
pending debits (what is still to be billed) less its pending credits, so a
property with only pending debits can be put into installments too.

Confirming a plan settles those debts as "in installments" and creates:

- a pending debit of the financed amount in n installments (debit type
  ``installment_debts``) and, with interest, one of the interest
  (``installment_interest``), both of origin ``installment_plan``;
- the down payment as a payment slip (``installment_down_payment``).

Cancelling gives every debt back as it was, cancels the plan's debits and
its down-payment slip; it is refused once the down payment is paid or an
installment was billed. A plan whose down payment is overdue is undone by
the job ``collection.undo_unpaid_plans``, the same way.

Limitation: discounts (on late charges, for age or inactivity) and the
board-resolution profiles of GSAN are not modelled; the company's terms are
one row of parameters (maximum installments, interest, minimum down payment).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from core.calendar_service import business_calendar
from core.clock import today
from core.collection.debts import Debt, property_debts
from core.collection.documents import settle_item
from core.collection.errors import CollectionError
from core.collection.ledger import add_pending_debit, debits_of, month_of
from core.collection.reconnection import debts_settled
from core.collection.slips import cancel_slip, issue_slip
from core.domain.base import utcnow
from core.domain.cadastre import Property
from core.domain.collection import (
    BillSettlement,
    InstallmentPlan,
    InstallmentPlanItem,
)
from core.extensions import db
from core.params import get_parameter
from core.services.installments import (
    InstallmentFormula,
    InstallmentOption,
    InstallmentTerm,
    simulate_installments,
)
from core.services.money import ZERO

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Simulation:
    """The debts of a property and the installment options for them."""

    property: Property
    lines: tuple[Debt, ...]
    options: tuple[InstallmentOption, ...]

    def option(self, installments: int) -> InstallmentOption:
        """Return the option of ``installments``, refusing one not offered."""
        for option in self.options:
            if option.installments == installments:
                return option
        offered = ", ".join(str(o.installments) for o in self.options) or "nenhuma"
        raise CollectionError(f"Opção de {installments} parcela(s) não disponível "
                              f"(opções: {offered}).")


def _terms() -> list[InstallmentTerm]:
    return [InstallmentTerm(
        max_installments=get_parameter("core", "installment_max") or 1,
        monthly_interest_percent=get_parameter(
            "core", "installment_interest_percent") or Decimal(0),
        min_down_payment_percent=get_parameter(
            "core", "installment_min_down_payment_percent") or Decimal(0),
    )]


def _active_plan(property_id: int) -> InstallmentPlan | None:
    return db.session.scalar(select(InstallmentPlan).where(
        InstallmentPlan.property_id == property_id,
        InstallmentPlan.status == "active",
        InstallmentPlan.down_payment_paid_on.is_(None),
    ).limit(1))


def simulate(property_id: int, down_payment: Decimal | None = None) -> Simulation:
    """Return the installment options for a property's debts as of today."""
    prop = db.session.get(Property, property_id) if property_id else None
    if prop is None:
        raise CollectionError(f"Imóvel {property_id} inexistente.")
    pending = _active_plan(prop.id)
    if pending is not None:
        raise CollectionError(f"O imóvel tem o {pending} aguardando o pagamento da "
                              "entrada.")
    lines = property_debts(prop, today())
    if not any(line.kind != "credit" for line in lines):
        raise CollectionError("O imóvel não tem débitos a parcelar.")
    debt = sum((line.total for line in lines), ZERO)
    try:
        options = simulate_installments(
            debt, _terms(), down_payment=down_payment,
            minimum_installment=get_parameter("core", "installment_minimum_value")
            or ZERO,
            formula=InstallmentFormula(get_parameter("core", "installment_formula")),
        )
    except ValueError as exc:
        raise CollectionError(str(exc)) from exc
    return Simulation(prop, tuple(lines), tuple(options))


def _plan_item(line: Debt) -> InstallmentPlanItem:
    item = InstallmentPlanItem(
        kind=line.kind, description=line.description[:120],
        reference_month=line.reference_month, due_date=line.due_date,
        amount=line.amount, fine=line.charges.fine, interest=line.charges.interest,
        monetary_update=line.charges.monetary_update,
    )
    setattr(item, {"bill": "bill", "slip": "payment_slip", "debit": "pending_debit",
                   "credit": "pending_credit"}[line.kind], line.row)
    return item


def _amounts(lines) -> dict:
    def of(kind):
        return sum((x.amount for x in lines if x.kind == kind), ZERO)

    debts = [x for x in lines if x.kind != "credit"]
    return {
        "bills_amount": of("bill"), "slips_amount": of("slip"),
        "debits_amount": of("debit"), "credits_amount": of("credit"),
        "fine": sum((x.charges.fine for x in debts), ZERO),
        "interest": sum((x.charges.interest for x in debts), ZERO),
        "monetary_update": sum((x.charges.monetary_update for x in debts), ZERO),
    }


def confirm(property_id: int, installments: int, down_payment: Decimal | None = None,
            actor: str | None = None) -> InstallmentPlan:
    """Put a property's debts into the installment option chosen."""
    simulation = simulate(property_id, down_payment)
    option = simulation.option(installments)
    prop = simulation.property
    if actor:
        db.session.info["actor"] = actor

    plan = InstallmentPlan(
        property=prop, status="active", created_on=today(),
        reference_month=month_of(today()), debt_total=option.debt,
        down_payment=option.down_payment, installments=option.installments,
        installment_value=option.installment_value,
        interest_percent=option.monthly_interest_percent,
        formula=get_parameter("core", "installment_formula"),
        financed=option.financed, financed_total=option.financed_total,
        interest_amount=option.interest, created_by=actor,
        items=[_plan_item(line) for line in simulation.lines],
        **_amounts(simulation.lines),
    )
    db.session.add(plan)
    db.session.flush()
    for item in plan.items:
        settle_item(item, plan.created_on, plan=plan)
    _create_debits(plan)
    if option.down_payment > 0:
        plan.down_payment_slip = issue_slip(
            property_id=prop.id, debit_type="installment_down_payment",
            amount=option.down_payment, due_date=_down_payment_due(),
            description=f"Entrada do parcelamento {plan.id}",
            origin="installment_down_payment", charges_fine=False, actor=actor,
        )
    db.session.flush()
    debts_settled(prop, "installment")
    if option.down_payment <= 0:
        down_payment_paid(plan, plan.created_on)
    log.info("installment plan %s confirmed for property %s: %s x %s", plan.id,
             prop.id, plan.installments, plan.installment_value)
    return plan


def _down_payment_due() -> date:
    days = get_parameter("core", "installment_down_payment_days") or 0
    return business_calendar().add_business_days(today(), days)


def _create_debits(plan: InstallmentPlan) -> None:
    add_pending_debit(plan.property, "installment_debts", plan.financed,
                      installments=plan.installments,
                      description=f"Parcelamento {plan.id}", origin="installment_plan",
                      origin_id=plan.id, reference_month=plan.reference_month)
    if plan.interest_amount > 0:
        add_pending_debit(plan.property, "installment_interest", plan.interest_amount,
                          installments=plan.installments,
                          description=f"Juros do parcelamento {plan.id}",
                          origin="installment_plan", origin_id=plan.id,
                          reference_month=plan.reference_month)
    db.session.flush()


def plan_of_slip(slip) -> InstallmentPlan | None:
    """Return the plan whose down payment a slip is, if any."""
    return db.session.scalar(select(InstallmentPlan).where(
        InstallmentPlan.down_payment_slip_id == slip.id))


def down_payment_paid(plan: InstallmentPlan, paid_on: date) -> None:
    """Record the down payment of a plan and react (reconnection, if allowed)."""
    if plan.down_payment_paid_on is not None or plan.status != "active":
        return
    plan.down_payment_paid_on = paid_on
    db.session.flush()
    debts_settled(plan.property, "down_payment")


def _restore(plan: InstallmentPlan, status: str, reason: str) -> None:
    for item in plan.items:
        if item.kind == "bill":
            settlement = db.session.get(BillSettlement, item.bill_id)
            if settlement is not None and settlement.installment_plan_id == plan.id:
                db.session.delete(settlement)
        elif item.kind == "slip":
            item.payment_slip.status = "open"
        elif item.kind == "debit":
            item.pending_debit.status = item.previous_status or "pending"
        elif item.kind == "credit":
            item.pending_credit.status = item.previous_status or "pending"
    for debit in debits_of("installment_plan", plan.id):
        debit.status = "cancelled"
    if plan.down_payment_slip is not None and plan.down_payment_slip.status == "open":
        cancel_slip(plan.down_payment_slip)
    plan.status, plan.cancelled_at, plan.cancel_reason = status, utcnow(), reason
    db.session.flush()


def cancel(plan: InstallmentPlan, reason: str, actor: str | None = None
           ) -> InstallmentPlan:
    """Cancel an active plan and give its debts back to open."""
    errors = []
    if plan.status != "active":
        errors.append(f"O {plan} está {plan.status_label.lower()}.")
    if plan.down_payment_paid_on is not None and plan.down_payment > 0:
        errors.append("A entrada já foi paga; o parcelamento não pode ser cancelado.")
    if any(d.installments_billed for d in debits_of("installment_plan", plan.id)):
        errors.append("Parcelas já foram faturadas; o parcelamento não pode ser "
                      "cancelado.")
    if not (reason or "").strip():
        errors.append("Informe o motivo do cancelamento.")
    if errors:
        raise CollectionError(errors)
    if actor:
        db.session.info["actor"] = actor
    _restore(plan, "cancelled", reason.strip())
    log.info("installment plan %s cancelled", plan.id)
    return plan


def undo_unpaid_plans(until: date | None = None) -> int:
    """Undo the active plans whose down payment is still open after its due date."""
    until = until or today()
    plans = [
        plan for plan in db.session.scalars(select(InstallmentPlan).where(
            InstallmentPlan.status == "active",
            InstallmentPlan.down_payment_paid_on.is_(None)))
        if plan.down_payment_slip is not None
        and plan.down_payment_slip.status == "open"
        and plan.down_payment_slip.due_date < until
    ]
    for plan in plans:
        _restore(plan, "undone", "Entrada não paga no vencimento.")
    return len(plans)
