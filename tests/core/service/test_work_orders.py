"""Work orders: issue, execute with the commercial update of the service type."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from core.collection.ledger import debits_of
from core.domain.service import ServiceType
from core.extensions import db
from core.service.commands import (
    ServiceError,
    close_work_order,
    execute_work_order,
    issue_work_order,
)
from core.service.updates import CommercialUpdate, registered_updates
from tests.core.collection.helpers import make_property


def _price(code: str, value: str) -> None:
    db.session.scalar(select(ServiceType).where(ServiceType.code == code)).price = (
        Decimal(value))


def test_work_order_cut_makes_the_connection_cut(day_app):
    prop = make_property(1)
    order = issue_work_order("water_cut", property_id=prop.id, origin="collection")

    execute_work_order(order, date(2025, 3, 20), note="Lacre 123", actor="field")

    assert prop.water_situation.code == "cut"
    assert prop.water_connection.cut_on == date(2025, 3, 20)
    assert (order.status, order.executed, order.commercial_updated) == (
        "closed", True, True)
    assert order.due_date == date(2025, 3, 27)  # 5 business days
    assert debits_of("work_order", order.id) == []  # a cut charges nothing


def test_work_order_reconnection_connects_and_charges_the_price(day_app):
    _price("water_reconnection", "35.90")
    prop = make_property(1, water="cut")
    order = issue_work_order("water_reconnection", property_id=prop.id)

    execute_work_order(order, date(2025, 3, 20))

    assert prop.water_situation.code == "connected"
    assert prop.water_connection.reconnected_on == date(2025, 3, 20)
    [debit] = debits_of("work_order", order.id)
    assert (debit.total, debit.debit_type.code, debit.installments) == (
        Decimal("35.90"), "special_services", 1)


def test_work_order_charge_can_be_waived_or_changed(day_app):
    _price("water_reconnection", "35.90")
    waived = issue_work_order("water_reconnection",
                              property_id=make_property(1, water="cut").id)
    changed = issue_work_order("water_reconnection",
                               property_id=make_property(2, water="cut").id)

    execute_work_order(waived, charge=False)
    execute_work_order(changed, value=Decimal("20.00"))

    assert debits_of("work_order", waived.id) == []
    assert [d.total for d in debits_of("work_order", changed.id)] == [Decimal("20.00")]
    assert changed.current_value == Decimal("20.00")


@pytest.mark.parametrize(("service", "situation"), [
    ("water_suppression", "suppressed"),
    ("water_partial_suppression", "partially_suppressed"),
])
def test_work_order_suppression_follows_the_service_type(day_app, service, situation):
    prop = make_property(1)
    order = issue_work_order(service, property_id=prop.id)

    execute_work_order(order, date(2025, 3, 20))

    assert prop.water_situation.code == situation
    assert prop.water_connection.suppressed_on == date(2025, 3, 20)


def test_work_order_refuses_update_that_does_not_apply(day_app):
    prop = make_property(1, water="cut")
    order = issue_work_order("water_cut", property_id=prop.id)

    with pytest.raises(ServiceError) as caught:
        execute_work_order(order, date(2025, 3, 21))

    assert caught.value.errors == [
        "A data de execução não pode ser futura.",
        f"A ligação de água do imóvel {prop.registration_display} está 'Cortado'; "
        "o corte não se aplica.",
    ]
    assert (order.status, prop.water_situation.code) == ("pending", "cut")


def test_work_order_closed_without_execution_changes_nothing(day_app):
    prop = make_property(1)
    order = issue_work_order("water_cut", property_id=prop.id)

    with pytest.raises(ServiceError, match="indica execução"):
        close_work_order(order, "service_completed")
    close_work_order(order, "debt_paid", "Cliente pagou")

    assert (order.status, order.executed, order.closing_reason.code) == (
        "closed", False, "debt_paid")
    assert prop.water_situation.code == "connected"
    with pytest.raises(ServiceError, match="já está encerrada"):
        execute_work_order(order)


def test_work_order_update_hook_lets_a_plugin_replace_the_core_one(day_app):
    calls = []
    registered_updates()["cut"] = CommercialUpdate(
        "Corte da companhia", lambda order: [],
        lambda order, day: calls.append((order.id, day)))
    prop = make_property(1)
    order = issue_work_order("water_cut", property_id=prop.id)

    execute_work_order(order, date(2025, 3, 20))

    assert calls == [(order.id, date(2025, 3, 20))]
    assert prop.water_situation.code == "connected"
