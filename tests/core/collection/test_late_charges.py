"""Late charges of bills paid late, through the payment path and the calendar."""

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from core.collection.charges import late_charges
from core.domain.billing import PendingDebit
from core.domain.collection import MonetaryIndex
from core.extensions import db
from core.params import set_parameter
from core.payments.commands import register_payment
from tests.core.collection.helpers import make_bill, make_property


def _late_debits():
    rows = db.session.scalars(select(PendingDebit).where(
        PendingDebit.origin == "late_payment").order_by(PendingDebit.id))
    return [(row.debit_type.code, row.total) for row in rows]


def test_late_charges_none_for_weekend_due_paid_next_business_day(day_app):
    # Due on Saturday 2025-03-08, paid on Monday 2025-03-10.
    bill = make_bill(make_property(1), 202502, "100.00", date(2025, 3, 8))

    payment = register_payment(bill.barcode, Decimal("100.00"), date(2025, 3, 10))

    assert payment.status == "classified"
    assert _late_debits() == []


def test_late_charges_nine_days_late_pay_fine_and_pro_rata_interest(day_app):
    # Due on Monday 2025-03-10, paid on 2025-03-19: 2 % fine, 1 %/month × 9/30.
    bill = make_bill(make_property(1), 202502, "100.00", date(2025, 3, 10))

    payment = register_payment(bill.barcode, Decimal("100.00"), date(2025, 3, 19))

    assert payment.status == "classified"
    assert _late_debits() == [("late_fine", Decimal("2.00")),
                              ("late_interest", Decimal("0.30"))]
    debit = db.session.scalar(select(PendingDebit).where(
        PendingDebit.origin == "late_payment"))
    assert (debit.property_id, debit.origin_id, debit.first_month) == (
        bill.property_id, payment.id, 202503)


def test_late_charges_follow_the_company_parameters(day_app):
    set_parameter("core", "late_fine_percent", Decimal("5"))
    set_parameter("core", "late_interest_percent", Decimal("3"))
    set_parameter("core", "late_tolerance_business_days", 7)
    prop = make_property(1)

    within = late_charges(Decimal("100.00"), date(2025, 3, 10), date(2025, 3, 19), prop)
    beyond = late_charges(Decimal("100.00"), date(2025, 3, 10), date(2025, 3, 20), prop)

    assert within.total == Decimal("0.00")  # 7 business days late, tolerated
    assert (beyond.fine, beyond.interest) == (Decimal("5.00"), Decimal("1.00"))


def test_late_charges_carnival_and_holiday_roll_the_due_date(day_app):
    # Tiradentes (Monday 2025-04-21): paying on Tuesday the 22nd is on time.
    prop = make_property(1)

    due = date(2025, 4, 21)
    on_time = late_charges(Decimal("100.00"), due, date(2025, 4, 22), prop)
    late = late_charges(Decimal("100.00"), due, date(2025, 4, 23), prop)

    assert on_time.total == Decimal("0.00")
    assert (late.fine, late.interest) == (Decimal("2.00"), Decimal("0.07"))


def test_late_charges_monetary_update_uses_the_index(day_app):
    db.session.add_all([MonetaryIndex(reference_month=202412, factor=Decimal("1.0")),
                        MonetaryIndex(reference_month=202503, factor=Decimal("1.05"))])
    prop = make_property(1)

    due, paid = date(2025, 1, 10), date(2025, 3, 20)
    charges = late_charges(Decimal("100.00"), due, paid, prop)

    assert charges.monetary_update == Decimal("5.00")
    assert charges.fine == Decimal("2.00")
    assert charges.interest == Decimal("2.30")  # 1 % × 69 / 30
