"""Import of a CNAB 150 return file and classification of its payments."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from core.collection.debts import bill_balance
from core.domain.billing import PendingCredit, PendingDebit
from core.domain.collection import BillSettlement
from core.domain.payments import CollectorContract, Payment, ReturnFile, ReturnFileLine
from core.extensions import db
from core.payments.classify import classify_payments
from core.payments.commands import convert_to_credit, refund
from core.payments.errors import PaymentError
from core.payments.imports import import_return_file
from tests.core.collection.helpers import (
    make_bill,
    make_collector,
    make_property,
    return_file,
)

PAID_ON = date(2025, 3, 10)


@pytest.fixture
def five_bills(day_app):
    make_collector()
    bills = [make_bill(make_property(lot), 202502, "100.00", date(2025, 3, 10))
             for lot in range(1, 6)]
    db.session.commit()
    return bills


def _content(bills) -> bytes:
    a, b, c, d, _ = bills
    return return_file([
        (a.barcode, "100.00", PAID_ON),
        (a.barcode, "100.00", PAID_ON),
        (b.barcode, "99.98", PAID_ON),
        (c.barcode, "95.00", PAID_ON),
        (d.barcode, "110.00", PAID_ON),
    ])


def _snapshot():
    def count(model):
        return db.session.scalar(select(func.count()).select_from(model))

    rows = db.session.execute(select(Payment.id, Payment.status, Payment.applied,
                                     Payment.excess, Payment.manual)
                              .order_by(Payment.id)).all()
    return (rows, count(ReturnFile), count(ReturnFileLine), count(BillSettlement),
            count(PendingCredit), count(PendingDebit))


def test_return_file_classifies_five_bills(five_bills):
    a, b, c, d, e = five_bills

    result = import_return_file(_content(five_bills), "retorno.txt", actor="admin")
    db.session.commit()

    assert result.created and result.payments == 5 and result.rejected == 0
    payments = db.session.scalars(select(Payment).order_by(Payment.id)).all()
    assert [p.status for p in payments] == [
        "classified", "duplicate", "classified", "underpaid", "classified"]
    assert [p.applied for p in payments] == [
        Decimal("100.00"), Decimal("0.00"), Decimal("99.98"), Decimal("95.00"),
        Decimal("100.00")]
    assert payments[1].excess == Decimal("100.00")  # listed for refund or credit
    assert [bill_balance(x) for x in five_bills] == [
        Decimal("0"), Decimal("0"), Decimal("5.00"), Decimal("0"), Decimal("100.00")]
    assert db.session.get(BillSettlement, b.id).status == "paid"
    assert db.session.get(BillSettlement, c.id) is None
    credit = db.session.scalar(select(PendingCredit))
    assert (credit.property_id, credit.total, credit.origin, credit.origin_id) == (
        d.property_id, Decimal("10.00"), "payment", payments[4].id)
    lines = db.session.scalars(select(ReturnFileLine).order_by(
        ReturnFileLine.line_number)).all()
    assert [x.record_code for x in lines] == ["A", "G", "G", "G", "G", "G", "Z"]
    assert lines[3].raw[37:81] == b.barcode and len(lines[3].raw) == 150
    assert payments[2].return_line_id == lines[3].id
    assert db.session.scalar(select(CollectorContract.last_nsa)) == 1


def test_return_file_reimport_keeps_manual_classification(five_bills):
    content = _content(five_bills)
    import_return_file(content)
    db.session.commit()
    duplicate = db.session.scalar(select(Payment).where(Payment.status == "duplicate"))
    convert_to_credit(duplicate, "Cliente pediu crédito na próxima conta", "admin")
    db.session.commit()
    before = _snapshot()

    again = import_return_file(content)
    classify_payments()
    db.session.commit()

    assert not again.created
    assert "nada foi alterado" in again.message
    assert _snapshot() == before
    db.session.refresh(duplicate)
    assert (duplicate.status, duplicate.manual) == ("credited", True)
    credits = db.session.scalars(select(PendingCredit).order_by(PendingCredit.id))
    assert [(x.total, x.credit_type.code) for x in credits] == [
        (Decimal("10.00"), "other_refund"), (Decimal("100.00"), "duplicate_payment")]
    with pytest.raises(PaymentError, match="já foi classificado manualmente"):
        refund(duplicate)


def test_return_file_malformed_is_refused_whole(five_bills):
    lines = _content(five_bills).decode("latin-1").split("\r\n")
    lines[3] = lines[3][:140]

    with pytest.raises(PaymentError) as caught:
        import_return_file("\r\n".join(lines).encode("latin-1"))
    db.session.rollback()

    assert "Linha 4" in str(caught.value) and "140 caracteres" in str(caught.value)
    assert db.session.scalar(select(func.count()).select_from(Payment)) == 0
    assert db.session.scalar(select(func.count()).select_from(ReturnFile)) == 0
    assert db.session.scalar(select(CollectorContract.last_nsa)) == 0


def test_return_file_out_of_sequence_nsa_is_refused(five_bills):
    content = return_file([(five_bills[0].barcode, "100.00", PAID_ON)], nsa=3)

    with pytest.raises(PaymentError, match="NSA 3 fora de sequência.*esperado 1"):
        import_return_file(content)


def test_return_file_rejects_barcode_of_another_company(five_bills):
    stranger = make_bill(make_property(9), 202502, "50.00", date(2025, 3, 10),
                         company="0018")
    content = return_file([(stranger.barcode, "50.00", PAID_ON),
                           (five_bills[0].barcode, "100.00", PAID_ON)])

    result = import_return_file(content)

    assert (result.payments, result.rejected) == (1, 1)
    line = db.session.scalar(select(ReturnFileLine).where(
        ReturnFileLine.line_number == 2))
    assert not line.accepted and "outra empresa (0018)" in line.occurrence
