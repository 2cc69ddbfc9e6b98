"""Pending debits charged in installments, credits used with carry-over."""

from decimal import Decimal

from core.billing.jobs import BILL_GROUP
from core.domain import billing as b
from core.extensions import db
from core.toolkits.jobs import JobRun, start_job
from tests.core.billing.factory import MONTH, bills_of, build_world, debit_type, ref


def _bill(world):
    run = db.session.get(
        JobRun,
        start_job(BILL_GROUP, {"group_id": world.group.id, "reference_month": MONTH}),
    )
    db.session.refresh(run)
    return run


def _property_of_10_m3(world):
    prop = world.add_property(install_reading=0)
    world.read(prop, 10)  # 58,25 of water and sewer
    return prop


def _debit(prop, total, installments, billed=0, first_month=MONTH):
    debit = b.PendingDebit(
        property_id=prop.id,
        debit_type=debit_type(),
        total=Decimal(total),
        installments=installments,
        installments_billed=billed,
        first_month=first_month,
    )
    db.session.add(debit)
    return debit


def _credit(prop, total, installments=1, residual="0", realised=0):
    credit = b.PendingCredit(
        property_id=prop.id,
        credit_type=ref(b.CreditType, "discount"),
        total=Decimal(total),
        installments=installments,
        installments_realised=realised,
        residual=Decimal(residual),
        first_month=MONTH,
    )
    db.session.add(credit)
    return credit


def test_bill_charges_the_next_installment_rounded_down(app):
    world = build_world()
    prop = _property_of_10_m3(world)
    first = _debit(prop, "100.00", 3)
    last = _debit(prop, "100.00", 3, billed=2)
    later = _debit(prop, "50.00", 2, first_month=202504)
    db.session.commit()

    _bill(world)

    (bill,) = bills_of(prop)
    assert [(d.installment_number, d.amount) for d in bill.debits] == [
        (1, Decimal("33.33")),
        (3, Decimal("33.34")),
    ]
    assert bill.debits_value == Decimal("66.67")
    assert bill.total == Decimal("58.25") + Decimal("66.67")
    db.session.refresh(first), db.session.refresh(last), db.session.refresh(later)
    assert (first.installments_billed, first.status) == (1, "pending")
    assert (last.installments_billed, last.status) == (3, "finished")
    assert (later.installments_billed, later.status) == (0, "pending")
    assert first.balance() == Decimal("66.67")


def test_credit_larger_than_the_bill_carries_its_residual(app):
    world = build_world()
    prop = _property_of_10_m3(world)
    credit = _credit(prop, "100.00")
    db.session.commit()

    _bill(world)

    (bill,) = bills_of(prop)
    assert bill.credits_value == Decimal("58.25")
    assert bill.total == Decimal("0.00")
    assert bill.pix_code is None
    assert bill.barcode[4:15] == "00000000000"
    db.session.refresh(credit)
    assert (credit.installments_realised, credit.residual, credit.status) == (
        1,
        Decimal("41.75"),
        "pending",
    )


def test_credits_are_used_in_order_until_the_bill_is_covered(app):
    world = build_world()
    prop = _property_of_10_m3(world)
    small = _credit(prop, "20.00", installments=2, residual="5.00")  # 10 + 5
    big = _credit(prop, "60.00")
    db.session.commit()

    _bill(world)

    (bill,) = bills_of(prop)
    assert [(c.pending_credit_id, c.amount) for c in bill.credits] == [
        (small.id, Decimal("15.00")),
        (big.id, Decimal("43.25")),
    ]
    assert bill.total == Decimal("0.00")
    db.session.refresh(small), db.session.refresh(big)
    assert (small.installments_realised, small.residual) == (1, Decimal("0.00"))
    assert (big.residual, big.status) == (Decimal("16.75"), "pending")


def test_spent_credit_is_finished(app):
    world = build_world()
    prop = _property_of_10_m3(world)
    credit = _credit(prop, "10.00")
    db.session.commit()

    _bill(world)

    db.session.refresh(credit)
    assert bills_of(prop)[0].total == Decimal("48.25")
    assert (credit.residual, credit.status) == (Decimal("0.00"), "finished")
