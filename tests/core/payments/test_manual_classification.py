"""Payments decided by hand: unknown documents, slips by customer, refunds."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from core.collection.debts import bill_balance
from core.collection.slips import issue_slip
from core.domain.cadastre import Customer
from core.domain.payments import Payment
from core.extensions import db
from core.payments.classify import classify_payments
from core.payments.commands import apply_to, refund, register_payment
from core.payments.errors import PaymentError
from core.services.barcode import build_bill_barcode
from tests.core.collection.helpers import make_bill, make_property


def test_manual_unknown_document_applied_to_the_right_bill(day_app):
    bill = make_bill(make_property(1), 202502, "100.00", date(2025, 3, 10))
    wrong = build_bill_barcode(Decimal("100.00"), "0006", 1, 9999990, 2025, 2)

    payment = register_payment(wrong, Decimal("100.00"), date(2025, 3, 10))
    assert (payment.status, payment.excess) == ("unknown_document", Decimal("100.00"))

    apply_to(payment, bill_id=bill.id, note="Matrícula digitada errada",
             actor="caixa")
    classify_payments()

    assert (payment.status, payment.manual, payment.bill_id) == (
        "classified", True, bill.id)
    assert bill_balance(bill) == Decimal("0")
    assert payment.note == "Matrícula digitada errada"


def test_manual_decisions_are_refused_on_classified_payments(day_app):
    bill = make_bill(make_property(1), 202502, "100.00", date(2025, 3, 10))
    payment = register_payment(bill.barcode, Decimal("100.00"), date(2025, 3, 10))

    with pytest.raises(PaymentError, match="está classificado; não há o que decidir"):
        refund(payment)
    with pytest.raises(PaymentError, match="um \\(e só um\\) documento"):
        apply_to(register_payment(bill.barcode, Decimal("1.00"), date(2025, 3, 10)),
                 bill_id=bill.id, slip_id=1)


def test_manual_customer_slip_paid_by_its_barcode(day_app):
    customer = Customer(code=10009, name="Prefeitura", person_type="J")
    db.session.add(customer)
    db.session.flush()
    slip = issue_slip(customer_id=customer.id, debit_type="special_services",
                      amount=Decimal("250.00"), description="Caminhão-pipa")

    payment = register_payment(slip.typed_line, Decimal("250.00"), date(2025, 3, 20))

    assert slip.barcode[43] == "9"  # payment type: customer slip by id
    assert (payment.status, payment.document_kind, slip.status) == (
        "classified", "slip", "paid")
    assert slip.paid_on == date(2025, 3, 20)


def test_manual_refund_of_a_duplicate(day_app):
    bill = make_bill(make_property(1), 202502, "100.00", date(2025, 3, 10))
    register_payment(bill.barcode, Decimal("100.00"), date(2025, 3, 10))
    second = register_payment(bill.barcode, Decimal("100.00"), date(2025, 3, 11))

    refund(second, actor="financeiro")

    assert (second.status, second.previous_status, second.classified_by) == (
        "refunded", "duplicate", "financeiro")
    assert db.session.scalar(select(Payment.status).where(
        Payment.id == second.id)) == "refunded"


def test_manual_register_refuses_barcode_of_another_company(day_app):
    code = build_bill_barcode(Decimal("100.00"), "0018", 1, 1234560, 2025, 2)

    with pytest.raises(PaymentError, match="outra empresa \\(0018\\)"):
        register_payment(code, Decimal("100.00"), date(2025, 3, 10))
    assert db.session.scalar(select(Payment)) is None
