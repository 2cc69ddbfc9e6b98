"""From two overdue bills to the cut, an installment plan and the reconnection."""

from datetime import date
from decimal import Decimal

from flask import current_app
from sqlalchemy import select

from core.collection.actions import create_command
from core.collection.debts import bill_balance, open_bills
from core.collection.installments import confirm, simulate
from core.collection.ledger import debits_of
from core.domain.collection import CollectionCriterion, CollectionDocument
from core.domain.reference import WaterSituation
from core.domain.service import ServiceType, WorkOrder
from core.extensions import db
from core.params import set_parameter
from core.payments.imports import import_return_file
from core.service.commands import execute_work_order
from core.toolkits.jobs import JobRun, start_job
from tests.core.collection.helpers import (
    make_bill,
    make_collector,
    make_property,
    return_file,
    situation,
)


def _criterion() -> CollectionCriterion:
    criterion = CollectionCriterion(name="Corte: 2 contas", min_bills=2,
                                    min_days_overdue=30, min_debt=Decimal("100.00"))
    criterion.water_situations.append(situation(WaterSituation, "connected"))
    db.session.add(criterion)
    return criterion


def _orders(prop, service: str) -> list[WorkOrder]:
    return list(db.session.scalars(select(WorkOrder).join(ServiceType).where(
        WorkOrder.property_id == prop.id, ServiceType.code == service)))


def test_collection_scenario_cut_installments_and_reconnection(day_app):
    clock = current_app.extensions["sanea.clock"]
    set_parameter("core", "reconnection_work_order", "paid_or_down_payment")
    db.session.scalar(select(ServiceType).where(
        ServiceType.code == "water_reconnection")).price = Decimal("35.00")
    make_collector()
    prop = make_property(1)
    neighbour = make_property(2)  # one overdue bill only: not selected
    january = make_bill(prop, 202501, "100.00", date(2025, 1, 10))
    february = make_bill(prop, 202502, "90.00", date(2025, 2, 10))
    make_bill(neighbour, 202502, "300.00", date(2025, 2, 10))
    criterion = _criterion()
    db.session.commit()

    # The collection command issues the cut order and its work order.
    command = create_command("water_cut", criterion_id=criterion.id, actor="cobranca")
    db.session.commit()
    run = db.session.get(JobRun, start_job("collection.issue_documents",
                                           {"command_id": command.id}))
    start_job("collection.issue_documents", {"command_id": command.id})  # a rerun
    assert run.status == "done" and run.counts()["documents"] == 1
    [document] = db.session.scalars(select(CollectionDocument)).all()
    assert (document.kind, document.property_id) == ("cut_order", prop.id)
    assert [i.bill_id for i in document.items] == [january.id, february.id]
    assert document.total == Decimal("197.24")  # 190,00 + fines and interest
    [cut] = _orders(prop, "water_cut")
    assert (cut.origin, document.work_order_id) == ("collection", cut.id)

    # The field team cuts the connection.
    execute_work_order(cut, date(2025, 3, 20), actor="campo")
    db.session.commit()
    assert prop.water_situation.code == "cut"
    assert document.action_status == "executed"

    # The customer asks for an installment plan: 10 % down, 3 installments.
    offer = simulate(prop.id).option(3)
    assert (offer.debt, offer.down_payment, offer.installment_value) == (
        Decimal("197.24"), Decimal("19.72"), Decimal("59.17"))
    plan = confirm(prop.id, 3, actor="atendimento")
    db.session.commit()
    assert open_bills(prop.id) == [] and bill_balance(january) == 0
    [debit] = debits_of("installment_plan", plan.id)
    assert (debit.total, debit.installments, debit.debit_type.code) == (
        Decimal("177.52"), 3, "installment_debts")
    assert _orders(prop, "water_reconnection") == []  # down payment not paid yet

    # The bank returns the down payment: the reconnection order is issued.
    clock.set(date(2025, 3, 21))
    slip = plan.down_payment_slip
    import_return_file(return_file([(slip.barcode, "19.72", date(2025, 3, 21))]))
    db.session.commit()
    assert (slip.status, plan.down_payment_paid_on) == ("paid", date(2025, 3, 21))
    [reconnection] = _orders(prop, "water_reconnection")
    assert (reconnection.status, reconnection.origin) == ("pending", "collection")

    execute_work_order(reconnection, date(2025, 3, 21))
    db.session.commit()
    assert prop.water_situation.code == "connected"
    assert [d.total for d in debits_of("work_order", reconnection.id)] == [
        Decimal("35.00")]
