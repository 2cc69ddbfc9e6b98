"""Installment plans: simulate, confirm into pending debits, cancel, undo."""

from datetime import date
from decimal import Decimal

import pytest
from flask import current_app

from core.collection.debts import bill_balance, open_bills, open_credits, open_debits
from core.collection.errors import CollectionError
from core.collection.installments import cancel, confirm, simulate, undo_unpaid_plans
from core.collection.ledger import add_pending_credit, add_pending_debit, debits_of
from core.params import set_parameter
from core.payments.commands import register_payment
from tests.core.collection.helpers import make_bill, make_property


@pytest.fixture
def prop(day_app):
    return make_property(1)


def test_installments_simulate_with_interest_options(prop):
    set_parameter("core", "installment_interest_percent", Decimal("2"))
    set_parameter("core", "installment_max", 4)
    make_bill(prop, 202503, "1000.00", date(2025, 3, 25))  # not overdue yet

    simulation = simulate(prop.id, down_payment=Decimal("200.00"))

    assert [o.installments for o in simulation.options] == [1, 2, 3, 4]
    # (1000 − 200) × 1,02³ = 848,9664 → 848,97 in 3 installments of 282,99.
    three = simulation.option(3)
    assert (three.financed, three.financed_total, three.installment_value) == (
        Decimal("800.00"), Decimal("848.97"), Decimal("282.99"))
    with pytest.raises(CollectionError, match="5 parcela\\(s\\) não disponível"):
        simulation.option(5)


def test_installments_confirm_with_interest_creates_two_debits(prop):
    set_parameter("core", "installment_interest_percent", Decimal("2"))
    make_bill(prop, 202503, "1000.00", date(2025, 3, 25))

    plan = confirm(prop.id, 3, down_payment=Decimal("200.00"))

    debits = [(d.debit_type.code, d.total, d.installments, d.first_month)
              for d in debits_of("installment_plan", plan.id)]
    assert debits == [("installment_debts", Decimal("800.00"), 3, 202503),
                      ("installment_interest", Decimal("48.97"), 3, 202503)]
    assert plan.down_payment_slip.amount == Decimal("200.00")
    assert plan.down_payment_slip.due_date == date(2025, 3, 27)  # 5 business days


def test_installments_property_with_only_pending_debits(prop):
    add_pending_debit(prop, "special_services", Decimal("300.00"), installments=1,
                      description="Ligação de água", origin="manual")

    plan = confirm(prop.id, 5)

    assert (plan.debits_amount, plan.down_payment, plan.installments) == (
        Decimal("300.00"), Decimal("30.00"), 5)
    assert open_debits(prop.id)[0].origin == "installment_plan"
    assert [d.total for d in debits_of("installment_plan", plan.id)] == [
        Decimal("270.00")]


def test_installments_cancel_returns_the_debts_to_open(prop):
    bill = make_bill(prop, 202502, "150.00", date(2025, 2, 10))
    old = add_pending_debit(prop, "special_services", Decimal("60.00"),
                            description="Serviço", origin="manual")
    credit = add_pending_credit(prop, "other_refund", Decimal("10.00"),
                                description="Crédito", origin="manual")
    plan = confirm(prop.id, 2)
    assert open_bills(prop.id) == [] and open_credits(prop.id) == []

    cancel(plan, "Cliente desistiu", actor="atendimento")

    assert plan.status == "cancelled"
    assert open_bills(prop.id) == [bill] and bill_balance(bill) == Decimal("150.00")
    assert open_debits(prop.id) == [old] and open_credits(prop.id) == [credit]
    assert [d.status for d in debits_of("installment_plan", plan.id)] == ["cancelled"]
    assert plan.down_payment_slip.status == "cancelled"
    with pytest.raises(CollectionError, match="está cancelado"):
        cancel(plan, "de novo")


def test_installments_cancel_refused_after_down_payment(prop):
    make_bill(prop, 202502, "150.00", date(2025, 2, 10))
    plan = confirm(prop.id, 2)
    register_payment(plan.down_payment_slip.barcode, plan.down_payment,
                     date(2025, 3, 20))

    with pytest.raises(CollectionError) as caught:
        cancel(plan, "")

    assert caught.value.errors == [
        "A entrada já foi paga; o parcelamento não pode ser cancelado.",
        "Informe o motivo do cancelamento."]
    assert plan.status == "active"


def test_installments_unpaid_down_payment_undoes_the_plan(prop):
    bill = make_bill(prop, 202502, "150.00", date(2025, 2, 10))
    plan = confirm(prop.id, 2)
    with pytest.raises(CollectionError, match="aguardando o pagamento da entrada"):
        simulate(prop.id)

    current_app.extensions["sanea.clock"].set(date(2025, 3, 28))
    assert undo_unpaid_plans() == 1

    assert plan.status == "undone"
    assert open_bills(prop.id) == [bill]
