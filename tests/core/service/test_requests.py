"""Service requests: opening with a deadline, routing, closing."""

from datetime import date

import pytest
from sqlalchemy import select

from core.domain.reference import RequestSpecification, RequestType
from core.domain.service import (
    OrgUnit,
    RequestRouting,
    ServiceType,
    SpecificationRule,
    WorkOrder,
)
from core.extensions import db
from core.params import set_parameter
from core.plugins import call_in_order
from core.service.commands import (
    RequestInput,
    ServiceError,
    apply_default_deadlines,
    close_request,
    open_request,
    route_request,
)
from tests.core.collection.helpers import make_property


@pytest.fixture
def spec(day_app):
    kind = RequestType(code="water_supply", label="Abastecimento")
    spec = RequestSpecification(code="no_water", label="Falta de água",
                                request_type=kind, deadline_days=3)
    counter = OrgUnit(name="Loja Centro")
    field = OrgUnit(name="Manutenção Norte")
    db.session.add_all([kind, spec, counter, field])
    db.session.flush()
    return spec


def _input(**extra) -> RequestInput:
    values = {"specification": "no_water", "channel": "counter",
              "requester_name": "José", "address": "Rua B, 10"}
    values.update(extra)
    return RequestInput(**values)


def _unit(name):
    return db.session.scalar(select(OrgUnit).where(OrgUnit.name == name))


def test_request_opens_with_calendar_deadline_and_protocol(spec):
    request = open_request(_input(opening_unit_id=_unit("Loja Centro").id),
                           actor="clerk")

    assert request.opened_on == date(2025, 3, 20)
    assert request.due_original == request.due_current == date(2025, 3, 23)
    assert request.protocol == f"2025{request.id:08d}"
    assert request.status == "pending"
    assert [r.to_unit.name for r in request.routings] == ["Loja Centro"]


def test_request_deadline_in_business_days_when_the_company_says(spec):
    set_parameter("core", "request_deadline_mode", "business")

    request = open_request(_input())

    # Thursday 20 + 3 business days: Friday 21, Monday 24, Tuesday 25.
    assert request.due_current == date(2025, 3, 25)


def test_request_imported_specification_gets_company_default(spec):
    imported = RequestSpecification(code="leak", label="Vazamento",
                                    request_type=spec.request_type)
    db.session.add(imported)
    set_parameter("core", "default_request_deadline_days", 10)

    assert apply_default_deadlines() == 1
    assert (imported.deadline_days, imported.deadline_defaulted) == (10, True)
    request = open_request(_input(specification="leak"))
    assert request.due_current == date(2025, 3, 30)


def test_request_refuses_bad_input_listing_every_problem(spec):
    with pytest.raises(ServiceError) as caught:
        open_request(RequestInput(specification="nope", channel="smoke"))

    assert caught.value.errors == [
        "Não há cadastro ativo para a especificação 'nope'.",
        "Não há cadastro ativo para o meio de solicitação 'smoke'.",
        "Informe o imóvel ou o endereço do atendimento.",
        "Informe o solicitante (cliente ou nome).",
    ]
    assert db.session.scalar(select(RequestRouting)) is None


def test_request_routes_between_units_and_closes(spec):
    request = open_request(_input(opening_unit_id=_unit("Loja Centro").id))

    route_request(request, _unit("Manutenção Norte").id, "Equipe de campo", "clerk")
    with pytest.raises(ServiceError, match="já está na unidade Manutenção Norte"):
        route_request(request, _unit("Manutenção Norte").id)
    close_request(request, "service_completed", "Abastecimento normalizado")

    assert request.current_unit.name == "Manutenção Norte"
    assert [(r.from_unit.name, r.to_unit.name) for r in request.routings[1:]] == [
        ("Loja Centro", "Manutenção Norte")]
    assert (request.status, request.closing_reason.code) == ("closed",
                                                             "service_completed")
    with pytest.raises(ServiceError, match="está encerrado"):
        route_request(request, _unit("Loja Centro").id)


def test_request_specification_rule_issues_work_order(spec):
    prop = make_property(1)
    db.session.add(SpecificationRule(
        specification=spec, property_required=True,
        service_type=db.session.scalar(select(ServiceType).where(
            ServiceType.code == "inspection"))))

    with pytest.raises(ServiceError, match="exige o imóvel"):
        open_request(_input())
    request = open_request(_input(property_id=prop.id))

    order = db.session.scalar(select(WorkOrder))
    assert (order.service_request_id, order.origin, order.property_id) == (
        request.id, "request", prop.id)
    with pytest.raises(ServiceError, match="ordem\\(ns\\) de serviço pendente"):
        close_request(request, "service_completed")
    close_request(request, "user_withdrew")
    assert (order.status, order.executed) == ("closed", False)


def test_request_counts_for_the_regulator_removal_check(spec):
    open_request(_input(regulator_id=7, channel="regulator"))
    open_request(_input(regulator_id=7))
    open_request(_input(regulator_id=8))

    answers = call_in_order(day_app_pm(), "sanea_references_to_regulator",
                            regulator_id=7)

    assert ("registros de atendimento", 2) in answers


def day_app_pm():
    from flask import current_app

    return current_app.extensions["sanea.pm"]
