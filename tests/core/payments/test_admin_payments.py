"""The payment-collection screens: upload a return file, list, decide by hand."""

import io
from datetime import date

import pytest
from sqlalchemy import select

from core.domain.payments import Payment
from core.extensions import db
from tests.conftest import csrf_token, login
from tests.core.collection.helpers import (
    make_bill,
    make_collector,
    make_property,
    return_file,
)


@pytest.fixture
def admin(day_app):
    return login(day_app.test_client())


@pytest.fixture
def bills(day_app):
    make_collector()
    found = [make_bill(make_property(lot), 202502, "100.00", date(2025, 3, 10))
             for lot in (1, 2)]
    db.session.commit()
    return found


def _upload(admin, content: bytes, name="retorno.ret"):
    token = csrf_token(admin.get("/returnfileview/upload").get_data(as_text=True))
    return admin.post("/returnfileview/upload", data={
        "csrf_token": token, "file": (io.BytesIO(content), name)},
        content_type="multipart/form-data")


def test_admin_upload_imports_and_lists_payments(admin, bills):
    content = return_file([(bills[0].barcode, "100.00", date(2025, 3, 10)),
                           (bills[0].barcode, "100.00", date(2025, 3, 10))])

    response = _upload(admin, content)

    assert response.status_code == 302 and "/returnfileview/show/" in response.location
    page = admin.get(response.location).get_data(as_text=True)
    assert "retorno.ret" in page
    listing = admin.get("/paymentview/list/").get_data(as_text=True)
    assert "Classificado" in listing and "Em duplicidade" in listing
    export = admin.get("/paymentview/export/csv?_flt_0_status=duplicate")
    rows = export.get_data(as_text=True).lstrip("\ufeff").strip().split("\r\n")
    assert len(rows) == 2 and "Em duplicidade" in rows[1] and "100,00" in rows[1]
    again = _upload(admin, content)
    assert again.status_code == 302
    assert "nada foi alterado" in admin.get(again.location).get_data(as_text=True)


def test_admin_upload_refuses_malformed_file_with_its_line(admin, bills):
    lines = return_file([(bills[0].barcode, "100.00", date(2025, 3, 10))]).split(
        b"\r\n")
    lines[1] = lines[1][:120]

    response = _upload(admin, b"\r\n".join(lines))

    assert response.status_code == 422
    assert "Linha 2: registro com 120 caracteres" in response.get_data(as_text=True)
    assert db.session.scalar(select(Payment)) is None


def test_admin_duplicate_converted_to_credit_by_hand(admin, bills):
    _upload(admin, return_file([(bills[1].barcode, "100.00", date(2025, 3, 10)),
                                (bills[1].barcode, "100.00", date(2025, 3, 10))]))
    duplicate = db.session.scalar(select(Payment).where(Payment.status == "duplicate"))
    form = admin.get(f"/paymentview/credit/{duplicate.id}").get_data(as_text=True)

    response = admin.post(f"/paymentview/credit/{duplicate.id}", data={
        "csrf_token": csrf_token(form), "note": "Pedido do cliente"})

    assert response.status_code == 302
    db.session.expire_all()
    duplicate = db.session.get(Payment, duplicate.id)
    assert (duplicate.status, duplicate.manual, duplicate.note) == (
        "credited", True, "Pedido do cliente")
    refused = admin.post(f"/paymentview/refund/{duplicate.id}", data={
        "csrf_token": csrf_token(form)})
    assert refused.status_code == 422
    assert "já foi classificado manualmente" in refused.get_data(as_text=True)


def test_admin_register_payment_at_the_counter(admin, bills):
    form = admin.get("/paymentview/register").get_data(as_text=True)

    bad = admin.post("/paymentview/register", data={
        "csrf_token": csrf_token(form), "barcode": "123", "amount": "abc",
        "paid_on": "31/02/2025"})
    good = admin.post("/paymentview/register", data={
        "csrf_token": csrf_token(form), "barcode": bills[0].typed_line,
        "amount": "100,00", "paid_on": "10/03/2025"})

    assert bad.status_code == 422
    text = bad.get_data(as_text=True)
    assert "Valor pago (R$): Número inválido" in text
    assert "Data do pagamento: Data inválida" in text
    assert good.status_code == 302
    payment = db.session.scalar(select(Payment))
    assert (payment.status, payment.bill_id) == ("classified", bills[0].id)


@pytest.mark.parametrize("path", [
    "/collectorview/list/", "/collectorcontractview/list/", "/returnfileview/list/",
    "/returnfilelineview/list/", "/paymentview/list/", "/paymentview/reclassify",
])
def test_admin_payment_pages_open(admin, path):
    assert admin.get(path).status_code == 200
