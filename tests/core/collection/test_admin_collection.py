"""The collection screens: statements, slips, commands and installment plans."""

from datetime import date

import pytest
from sqlalchemy import select

from core.domain.collection import (
    CollectionCommand,
    CollectionCriterion,
    CollectionDocument,
    InstallmentPlan,
    PaymentSlip,
)
from core.extensions import db
from tests.conftest import csrf_token, login
from tests.core.collection.helpers import make_bill, make_property


@pytest.fixture
def admin(day_app):
    return login(day_app.test_client())


@pytest.fixture
def prop(day_app):
    found = make_property(1)
    make_bill(found, 202501, "100.00", date(2025, 1, 10))
    make_bill(found, 202502, "90.00", date(2025, 2, 10))
    db.session.commit()
    return found


def _post(admin, path, **data):
    token = csrf_token(admin.get(path).get_data(as_text=True))
    return admin.post(path, data={"csrf_token": token, **data})


def test_admin_issues_statement_and_downloads_its_pdf(admin, prop):
    response = _post(admin, "/collectiondocumentview/statement",
                     property_id=prop.registration_display, include_credits="1")

    assert response.status_code == 302
    document = db.session.scalar(select(CollectionDocument))
    assert "Extrato" in admin.get(response.location).get_data(as_text=True)
    pdf = admin.get(f"/collectiondocumentview/pdf/{document.id}")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.get_data()[:5] == b"%PDF-"
    assert admin.get("/collectiondocumentview/pdf/999").status_code == 404


def test_admin_issues_and_cancels_a_slip(admin, prop):
    issued = _post(admin, "/paymentslipview/issue",
                   property_id=prop.registration_display, debit_type="special_services",
                   amount="45,10", description="Aferição de hidrômetro")
    slip = db.session.scalar(select(PaymentSlip))
    cancelled = _post(admin, f"/paymentslipview/cancel/{slip.id}")

    assert (issued.status_code, cancelled.status_code) == (302, 302)
    db.session.expire_all()
    assert db.session.get(PaymentSlip, slip.id).status == "cancelled"
    pdf = admin.get(f"/paymentslipview/pdf/{slip.id}")
    assert pdf.status_code == 200 and pdf.get_data()[:5] == b"%PDF-"


def test_admin_runs_a_collection_command(admin, prop):
    criterion = CollectionCriterion(name="Duas contas", min_bills=2)
    db.session.add(criterion)
    db.session.commit()

    response = _post(admin, "/collectioncommandview/run", action="cut_notice",
                     criterion_id=str(criterion.id), reference_date="20/03/2025")

    assert response.status_code == 302
    command = db.session.scalar(select(CollectionCommand))
    assert (command.selected, command.documents, command.work_orders) == (1, 1, 0)
    assert "1 imóvel(is) selecionado(s), 1 documento(s)" in admin.get(
        response.location).get_data(as_text=True)


def test_admin_simulates_and_confirms_a_plan(admin, prop):
    simulated = _post(admin, "/installmentplanview/simulate",
                      property_id=prop.registration_display, down_payment="50,00")
    text = simulated.get_data(as_text=True)
    assert simulated.status_code == 200 and 'id="option-12"' in text
    assert "R$ 197,24" in text  # the debt with late charges to 20/03/2025

    confirmed = admin.post("/installmentplanview/simulate", data={
        "csrf_token": csrf_token(text), "property_id": prop.registration_display,
        "down_payment": "50,00", "installments": "4"})

    assert confirmed.status_code == 302
    plan = db.session.scalar(select(InstallmentPlan))
    assert (plan.installments, str(plan.down_payment), str(plan.installment_value)) == (
        4, "50.00", "36.81")
    cancelled = _post(admin, f"/installmentplanview/cancel/{plan.id}", reason="Erro")
    assert cancelled.status_code == 302
    db.session.expire_all()
    assert db.session.get(InstallmentPlan, plan.id).status == "cancelled"


@pytest.mark.parametrize("path", [
    "/collectiondocumentview/list/", "/paymentslipview/list/",
    "/installmentplanview/list/", "/collectioncommandview/list/",
    "/collectioncriterionview/list/", "/collectionactionview/list/",
    "/monetaryindexview/list/", "/collectioncriterionview/add",
    "/collectiondocumentview/export/xlsx",
])
def test_admin_collection_pages_open(admin, path):
    assert admin.get(path).status_code == 200
