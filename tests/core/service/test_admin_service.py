"""The customer-service screens: open, route and close requests; execute orders."""

from datetime import date

import pytest
from sqlalchemy import select

from core.domain.reference import RequestSpecification, RequestType
from core.domain.service import OrgUnit, ServiceRequest, WorkOrder
from core.extensions import db
from core.notify import outbox_dir
from tests.conftest import csrf_token, login
from tests.core.collection.helpers import make_property


@pytest.fixture
def admin(day_app):
    kind = RequestType(code="water_supply", label="Abastecimento")
    db.session.add_all([
        RequestSpecification(code="no_water", label="Falta de água",
                             request_type=kind, deadline_days=2),
        OrgUnit(name="Loja Centro"), OrgUnit(name="Manutenção Norte")])
    db.session.commit()
    return login(day_app.test_client())


def _post(admin, path, **data):
    token = csrf_token(admin.get(path).get_data(as_text=True))
    return admin.post(path, data={"csrf_token": token, **data})


def _unit(name):
    return db.session.scalar(select(OrgUnit).where(OrgUnit.name == name)).id


def test_admin_opens_routes_and_closes_a_request(admin):
    opened = _post(admin, "/servicerequestview/open", specification="no_water",
                   channel="phone", requester_name="Ana", address="Rua C, 5",
                   requester_email="ana@example.org",
                   opening_unit_id=str(_unit("Loja Centro")))
    assert opened.status_code == 302
    request = db.session.scalar(select(ServiceRequest))
    assert "prazo 22/03/2025" in admin.get(opened.location).get_data(as_text=True)

    routed = _post(admin, f"/servicerequestview/route/{request.id}",
                   to_unit_id=str(_unit("Manutenção Norte")), note="Campo")
    mailed = _post(admin, f"/servicerequestview/email/{request.id}", to="")
    closed = _post(admin, f"/servicerequestview/close/{request.id}",
                   reason="service_completed", note="Resolvido")

    assert [x.status_code for x in (routed, mailed, closed)] == [302, 302, 302]
    db.session.expire_all()
    request = db.session.get(ServiceRequest, request.id)
    assert (request.status, request.current_unit.name) == ("closed",
                                                           "Manutenção Norte")
    [eml] = list(outbox_dir().glob("*.eml"))
    assert request.protocol in eml.read_text()
    listing = admin.get("/servicerequestview/list/").get_data(as_text=True)
    assert request.protocol in listing and "Encerrado" in listing


def test_admin_open_request_lists_every_problem(admin):
    response = _post(admin, "/servicerequestview/open", specification="no_water",
                     channel="phone", property_id="999.9")

    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "Imóvel de matrícula &#39;999.9&#39; não encontrado." in text
    assert db.session.scalar(select(ServiceRequest)) is None


def test_admin_issues_and_executes_a_cut_order(admin):
    prop = make_property(1)
    db.session.commit()

    issued = _post(admin, "/workorderview/issue", service_type="water_cut",
                   property_id=prop.registration_display)
    order = db.session.scalar(select(WorkOrder))
    executed = _post(admin, f"/workorderview/execute/{order.id}",
                     executed_on="20/03/2025", reason="service_completed",
                     charge="1", note="Lacre 42")

    assert (issued.status_code, executed.status_code) == (302, 302)
    db.session.expire_all()
    order = db.session.get(WorkOrder, order.id)
    assert (order.status, order.executed_on, order.closing_note) == (
        "closed", date(2025, 3, 20), "Lacre 42")
    assert order.property.water_situation.code == "cut"


@pytest.mark.parametrize("path", [
    "/servicerequestview/list/", "/workorderview/list/", "/requestroutingview/list/",
    "/servicetypeview/list/", "/specificationruleview/list/", "/orgunitview/list/",
    "/requestchannelview/list/", "/closingreasonview/list/",
    "/servicetypeview/export/xlsx",
])
def test_admin_service_pages_open(admin, path):
    assert admin.get(path).status_code == 200
