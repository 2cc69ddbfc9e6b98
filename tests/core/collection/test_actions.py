"""Collection actions: criteria, predecessors, simulation and reruns."""

from datetime import date
from decimal import Decimal

import pytest
from flask import current_app
from sqlalchemy import func, select

from core.collection.actions import create_command, run_command, select_property
from core.collection.errors import CollectionError
from core.domain.collection import (
    CollectionAction,
    CollectionCriterion,
    CollectionDocument,
)
from core.domain.reference import WaterSituation
from core.domain.service import WorkOrder
from core.extensions import db
from core.payments.commands import register_payment
from tests.core.collection.helpers import make_bill, make_property, situation


def _action(code: str) -> CollectionAction:
    return db.session.scalar(select(CollectionAction).where(
        CollectionAction.code == code))


@pytest.fixture
def criterion(day_app):
    row = CollectionCriterion(name="Corte", min_bills=2, min_days_overdue=30,
                              min_debt=Decimal("150.00"))
    row.water_situations.append(situation(WaterSituation, "connected"))
    db.session.add(row)
    return row


def _owing(lot: int, *amounts: str, water: str = "connected"):
    prop = make_property(lot, water=water)
    for month, amount in enumerate(amounts, start=1):
        make_bill(prop, 202500 + month, amount, date(2025, month, 10))
    return prop


def test_actions_criterion_gives_the_reason_a_property_is_left_out(criterion):
    cut = _action("water_cut")
    young = make_property(6)
    make_bill(young, 202502, "100.00", date(2025, 3, 1))
    make_bill(young, 202503, "100.00", date(2025, 3, 15))
    properties = {
        3: _owing(3, "100.00"),
        4: _owing(4, "50.00", "50.00"),
        5: _owing(5, "100.00", "100.00", water="cut"),
        6: young,
        7: _owing(7, "100.00", "100.00"),
    }

    reasons = {lot: select_property(prop, cut, criterion, date(2025, 3, 20)).reason
               for lot, prop in properties.items()}

    assert reasons == {
        3: "1 conta(s) vencida(s), fora do critério",
        4: "débito de R$ 103,78 fora do critério",  # 52,15 + 51,63
        5: "ligação de água 'Cortado' fora do critério",
        6: "conta mais antiga vencida há menos dias que o critério",
        7: "selecionado",
    }


def test_actions_predecessor_notice_is_required_before_the_cut(criterion):
    cut, notice = _action("water_cut"), _action("cut_notice")
    cut.predecessor, cut.min_days_after_predecessor = notice, 10
    prop = _owing(1, "100.00", "100.00")
    clock = current_app.extensions["sanea.clock"]

    first = create_command("water_cut", criterion_id=criterion.id)
    assert run_command(first)["documents"] == 0

    clock.set(date(2025, 3, 5))
    run_command(create_command("cut_notice", criterion_id=criterion.id))
    clock.set(date(2025, 3, 20))
    second = create_command("water_cut", criterion_id=criterion.id)
    counts = run_command(second)

    assert counts == {"selected": 1, "documents": 1, "work_orders": 1}
    kinds = db.session.scalars(select(CollectionDocument.kind).order_by(
        CollectionDocument.id)).all()
    assert kinds == ["cut_notice", "cut_order"]
    assert run_command(second) == {"selected": 0, "documents": 0, "work_orders": 0}
    assert select_property(prop, cut, criterion, date(2025, 3, 20)).reason.startswith(
        "já tem ordem de corte")


def test_actions_simulation_issues_nothing(criterion):
    _owing(1, "100.00", "100.00")
    _owing(2, "200.00", "90.00")

    command = create_command("water_cut", criterion_id=criterion.id, simulate=True)
    counts = run_command(command)

    assert counts["selected"] == 2 and command.total == Decimal("509.11")
    assert db.session.scalar(select(func.count()).select_from(CollectionDocument)) == 0
    assert db.session.scalar(select(func.count()).select_from(WorkOrder)) == 0


def test_actions_paying_the_notice_suspends_it_and_the_cut_order(criterion):
    prop = _owing(1, "100.00", "100.00")
    run_command(create_command("water_cut", criterion_id=criterion.id))
    document = db.session.scalar(select(CollectionDocument))
    order = document.work_order

    payment = register_payment(document.barcode, document.total, date(2025, 3, 20))

    assert payment.status == "classified"
    assert (document.debt_status, document.action_status) == ("paid", "suspended")
    assert (order.status, order.executed, order.closing_reason.code) == (
        "closed", False, "suspended_by_payment")
    assert prop.water_situation.code == "connected"


def test_actions_command_refuses_unknown_action_and_locality(criterion):
    with pytest.raises(CollectionError) as caught:
        create_command("nope", locality_id=999)

    assert caught.value.errors == [
        "Ação de cobrança 'nope' inexistente ou inativa.",
        "Informe um critério de cobrança ativo.",
        "Localidade 999 inexistente.",
    ]


@pytest.mark.parametrize(("mode", "reconnections"), [
    ("off", 0), ("paid", 1), ("paid_or_down_payment", 1)])
def test_actions_paying_a_cut_property_issues_reconnection_by_parameter(
        criterion, mode, reconnections):
    from core.collection.documents import issue_statement
    from core.params import set_parameter

    set_parameter("core", "reconnection_work_order", mode)
    prop = _owing(1, "100.00", "100.00", water="cut")
    statement = issue_statement(prop.id)

    register_payment(statement.barcode, statement.total, date(2025, 3, 20))

    orders = db.session.scalars(select(WorkOrder)).all()
    assert [o.service_type.code for o in orders] == (
        ["water_reconnection"] * reconnections)


def test_actions_expiry_job_releases_old_statements(criterion):
    from core.collection.documents import issue_statement
    from core.toolkits.jobs import JobRun, start_job

    issue_statement(_owing(1, "100.00").id)
    db.session.commit()

    run_id = start_job("collection.expire_documents", {"until": "2025-04-01"})

    run = db.session.get(JobRun, run_id)
    assert (run.status, run.counts()) == ("done", {"expired": 1})
    again = db.session.get(JobRun, start_job("collection.expire_documents",
                                             {"until": "2025-04-01"}))
    assert again.counts() == {"expired": 0}
