"""The billing admin: a property's bills, readings and consumption; bill actions."""

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from core.billing.jobs import BILL_GROUP
from core.domain import billing as b
from core.extensions import db
from core.toolkits.jobs import JobRun, start_job
from tests.conftest import csrf_token, login
from tests.core.billing.factory import MONTH, bills_of, build_world


@pytest.fixture
def billed(app):
    world = build_world()
    prop = world.add_property(install_reading=0)
    world.read(prop, 15)
    db.session.commit()
    start_job(BILL_GROUP, {"group_id": world.group.id, "reference_month": MONTH})
    return world, prop, bills_of(prop)[0]


@pytest.fixture
def admin(app):
    return login(app.test_client())


def test_property_page_shows_bills_readings_and_consumption(billed, admin):
    _, prop, bill = billed
    page = admin.get(f"/faturamento-imovel/?matricula={prop.registration_display}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "03/2025" in html and "91.83" in html
    assert 'id="property-readings"' in html and "<td>15</td>" in html
    assert "Medido" in html


def test_property_page_refuses_a_bad_registration(app, admin):
    page = admin.get("/faturamento-imovel/?matricula=1001.5")
    assert page.status_code == 404
    assert "Matrícula inválida: 1001.5." in page.get_data(as_text=True)


def test_bill_screens_list_show_and_download(billed, admin):
    _, _, bill = billed
    assert admin.get("/billview/list/").status_code == 200
    show = admin.get(f"/billview/show/{bill.id}")
    assert show.status_code == 200
    html = show.get_data(as_text=True)
    assert bill.typed_line in html
    assert "Água e esgoto por categoria" in html and "Débitos cobrados" in html
    assert "List " not in html
    pdf = admin.get(f"/billview/pdf/{bill.id}")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF")


@pytest.mark.parametrize(
    "path",
    [
        "/meterview/list/",
        "/readingview/list/",
        "/consumptionhistoryview/list/",
        "/tariffview/list/",
        "/tariffbandview/list/",
        "/billingscheduleview/list/",
        "/pendingdebitview/list/",
        "/pendingcreditview/list/",
        "/meterinstallationview/list/",
    ],
)
def test_billing_lists_open(billed, admin, path):
    assert admin.get(path).status_code == 200


def test_cancel_form_needs_a_reason_then_cancels(billed, admin):
    _, _, bill = billed
    form = admin.get(f"/billview/cancel/{bill.id}")
    token = csrf_token(form.get_data(as_text=True))

    refused = admin.post(
        f"/billview/cancel/{bill.id}", data={"reason": "", "csrf_token": token}
    )
    assert refused.status_code == 422
    assert "Informe o motivo" in refused.get_data(as_text=True)

    done = admin.post(
        f"/billview/cancel/{bill.id}",
        data={"reason": "Pedido do cliente", "csrf_token": token},
    )
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(b.Bill, bill.id).status == "cancelled"
    assert db.session.get(b.Bill, bill.id).changed_by == "admin"


def test_rectify_form_writes_a_new_version(billed, admin):
    _, prop, bill = billed
    token = csrf_token(admin.get(f"/billview/rectify/{bill.id}").get_data(as_text=True))
    done = admin.post(
        f"/billview/rectify/{bill.id}",
        data={
            "water_m3": "10",
            "due_date": "05/04/2025",
            "reason": "Leitura revista",
            "csrf_token": token,
        },
    )
    assert done.status_code == 302
    db.session.expire_all()
    old, new = bills_of(prop)
    assert (old.status, new.status, new.total) == (
        "cancelled_by_rectification",
        "rectified",
        Decimal("58.25"),
    )


def test_schedule_button_starts_the_billing_job(billed, admin):
    world, _, _ = billed
    schedule = db.session.scalar(
        select(b.BillingSchedule).where(b.BillingSchedule.reference_month == MONTH)
    )
    page = admin.get(f"/billingscheduleview/show/{schedule.id}")
    token = csrf_token(page.get_data(as_text=True))
    response = admin.post(
        f"/billingscheduleview/bill/{schedule.id}",
        data={"csrf_token": token},
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "Faturamento iniciado" in response.get_data(as_text=True)
    run = db.session.scalars(select(JobRun).order_by(JobRun.id.desc())).first()
    assert run.counts() == {"already_billed": 1}


def test_a_billed_schedule_is_not_deleted(billed, admin):
    schedule = db.session.scalar(
        select(b.BillingSchedule).where(b.BillingSchedule.reference_month == MONTH))
    page = admin.get("/billingscheduleview/list/").get_data(as_text=True)
    response = admin.post(f"/billingscheduleview/delete/{schedule.id}",
                          data={"csrf_token": csrf_token(page)}, follow_redirects=True)
    assert "já tem 1 conta(s) faturada(s) e não pode ser excluído." in response.get_data(
        as_text=True)
    db.session.expire_all()
    assert db.session.get(b.BillingSchedule, schedule.id) is not None
    assert db.session.get(b.BillingSchedule, schedule.id).routes


def test_schedule_form_refuses_a_month_that_does_not_exist(billed, admin):
    world, _, _ = billed
    before = db.session.scalar(select(func.count()).select_from(b.BillingSchedule))
    page = admin.get("/billingscheduleview/add").get_data(as_text=True)
    response = admin.post("/billingscheduleview/add", data={
        "billing_group": str(world.group.id), "reference_month": "202613",
        "reading_date": "2026-12-10", "billing_date": "2026-12-01",
        "csrf_token": csrf_token(page)})
    assert response.status_code == 200
    assert "Referência inválida: 202613; use AAAAMM." in response.get_data(
        as_text=True)
    count = db.session.scalar(select(func.count()).select_from(b.BillingSchedule))
    assert count == before


def test_rectify_form_refuses_a_huge_consumption_and_a_date_that_does_not_exist(
        billed, admin):
    _, prop, bill = billed
    token = csrf_token(admin.get(f"/billview/rectify/{bill.id}").get_data(as_text=True))
    page = admin.post(f"/billview/rectify/{bill.id}", data={
        "water_m3": "99999999999999999999", "due_date": "31/02/2026",
        "reason": "teste", "csrf_token": token})
    text = page.get_data(as_text=True)
    assert page.status_code == 422  # the form again, with both messages
    assert "Consumo deve estar entre 0 e 999999 m³." in text
    assert "Vencimento 31/02/2026 não é uma data que exista." in text
    db.session.expire_all()
    assert [b_.status for b_ in bills_of(prop)] == ["normal"]
