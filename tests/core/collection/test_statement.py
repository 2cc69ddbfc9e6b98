"""The debt statement: items with late charges, credits used once, its PDF."""

import shutil
import subprocess
from datetime import date
from decimal import Decimal

import pytest
from flask import current_app

from core.billing import queries as billing_queries
from core.collection.documents import expire_documents, issue_statement
from core.collection.errors import CollectionError
from core.collection.ledger import add_pending_credit, add_pending_debit
from core.documents.statement import render_document_pdf
from core.domain.collection import BillSettlement
from core.extensions import db
from core.payments.commands import register_payment
from core.services.barcode import format_typed_line
from tests.conftest import need
from tests.core.collection.helpers import make_bill, make_property

PIX_KEY = "08334385000135"


@pytest.fixture
def debts(day_app):
    prop = make_property(1)
    first = make_bill(prop, 202501, "100.00", date(2025, 2, 10))
    second = make_bill(prop, 202502, "80.00", date(2025, 3, 10))
    debit = add_pending_debit(prop, "special_services", Decimal("30.00"),
                              description="Religação de água", origin="manual")
    credit = add_pending_credit(prop, "other_refund", Decimal("15.00"),
                                description="Pagamento a maior", origin="manual")
    db.session.flush()
    return prop, first, second, debit, credit


@pytest.fixture
def pix_key(day_app):
    profile = current_app.extensions["sanea.profile"]
    object.__setattr__(profile, "pix_key", PIX_KEY)
    yield PIX_KEY
    object.__setattr__(profile, "pix_key", "")


def test_statement_lists_items_with_charges_to_payment_date(debts):
    prop, first, second, debit, credit = debts

    statement = issue_statement(prop.id, actor="clerk")

    # Valid 5 days: Tuesday 2025-03-25; charges to that day.
    assert statement.due_date == statement.charges_until == date(2025, 3, 25)
    rows = [(i.kind, i.amount, i.fine, i.interest) for i in statement.items]
    assert rows == [
        ("bill", Decimal("100.00"), Decimal("2.00"), Decimal("1.43")),  # 43 days
        ("bill", Decimal("80.00"), Decimal("1.60"), Decimal("0.40")),  # 15 days
        ("debit", Decimal("30.00"), Decimal("0.00"), Decimal("0.00")),
        ("credit", Decimal("15.00"), Decimal("0.00"), Decimal("0.00")),
    ]
    assert (statement.amount, statement.charges, statement.credits,
            statement.total) == (Decimal("210.00"), Decimal("5.43"),
                                 Decimal("15.00"), Decimal("200.43"))
    assert statement.barcode[4:15] == "00000020043"
    assert statement.barcode[43] == "5"  # payment type: collection document


def test_statement_credit_is_used_once(debts):
    prop, *_, credit = debts

    first = issue_statement(prop.id)
    second = issue_statement(prop.id)

    assert credit.status == "finished"
    assert billing_queries.pending_credits([prop.id], 202503) == {}
    assert [i.kind for i in second.items] == ["bill", "bill", "debit"]
    assert second.total == first.total + Decimal("15.00")

    current_app.extensions["sanea.clock"].set(date(2025, 3, 27))
    assert expire_documents() == 2
    assert credit.status == "pending"  # given back to the next bill
    assert [row[1] for row in billing_queries.pending_credits([prop.id], 202503)[
        prop.id]] == [credit.id]


def test_statement_paid_settles_every_item_once(debts):
    prop, first, second, debit, credit = debts
    statement = issue_statement(prop.id)

    payment = register_payment(statement.barcode, statement.total, date(2025, 3, 20))
    again = register_payment(statement.barcode, statement.total, date(2025, 3, 20))

    assert (payment.status, again.status) == ("classified", "duplicate")
    assert statement.debt_status == "paid"
    settled = db.session.get(BillSettlement, first.id)
    assert (settled.status, settled.collection_document_id) == ("paid", statement.id)
    assert db.session.get(BillSettlement, second.id).status == "paid"
    assert (debit.status, credit.status) == ("finished", "finished")
    assert billing_queries.pending_debits([prop.id], 202503) == {}
    with pytest.raises(CollectionError, match="não tem débitos em aberto"):
        issue_statement(prop.id)


def _pdf_text(pdf: bytes, tmp_path) -> str:
    need(shutil.which("pdftotext"), "pdftotext (poppler-utils) not installed")
    path = tmp_path / "extrato.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout


def test_statement_pdf_shows_every_item_and_the_total(debts, pix_key, tmp_path):
    prop = debts[0]
    statement = issue_statement(prop.id)

    text = _pdf_text(render_document_pdf(statement.id), tmp_path)

    assert "EXTRATO DE DÉBITOS" in text
    assert prop.registration_display in text and "Maria da Silva" in text
    for expected in ("Conta 01/2025", "100,00", "2,00", "1,43", "103,43",
                     "Conta 02/2025", "80,00", "1,60", "0,40", "82,00",
                     "Religação de água", "30,00", "Pagamento a maior", "-15,00",
                     "Acréscimos por impontualidade", "5,43", "210,00"):
        assert expected in text, expected
    assert "Total a pagar" in text and "200,43" in text
    assert "25/03/2025" in text
    assert format_typed_line(statement.typed_line) in text
    assert statement.pix_code in text and PIX_KEY in statement.pix_code


def test_statement_pdf_barcode_and_pix_scan_back(debts, pix_key, tmp_path):
    need(shutil.which("pdftoppm") and shutil.which("zbarimg"),
         "pdftoppm or zbarimg not installed")
    statement = issue_statement(debts[0].id)
    pdf = tmp_path / "extrato.pdf"
    pdf.write_bytes(render_document_pdf(statement.id))

    subprocess.run(["pdftoppm", "-png", "-r", "300", "-singlefile", str(pdf),
                    str(tmp_path / "page")], check=True)
    scanned = subprocess.run(["zbarimg", "-q", str(tmp_path / "page.png")],
                             capture_output=True, text=True).stdout.splitlines()

    assert sorted(scanned) == sorted([f"I2/5:{statement.barcode}",
                                      f"QR-Code:{statement.pix_code}"])


def test_statement_refused_without_the_company_febraban_code(make_app):
    from sqlalchemy import func, select

    from core.domain.collection import CollectionDocument

    app = make_app("cagepa", fixed_today="2025-03-20")
    with app.app_context():
        prop = make_property(1)
        make_bill(prop, 202502, "80.00", date(2025, 3, 10), company="0000")

        with pytest.raises(CollectionError) as caught:
            issue_statement(prop.id)

        assert "código FEBRABAN da empresa" in str(caught.value)
        assert db.session.scalar(
            select(func.count()).select_from(CollectionDocument)) == 0
