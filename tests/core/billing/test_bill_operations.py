"""Rectify and cancel a bill: new values, a reason, the old version kept, audited."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from core.billing.errors import BillingError
from core.billing.jobs import BILL_GROUP
from core.billing.operations import cancel_bill, rectify_bill
from core.domain import billing as b
from core.domain import metering as m
from core.domain.audit import AuditLog
from core.extensions import db
from core.services.barcode import parse_barcode
from core.toolkits.jobs import start_job
from tests.core.billing.factory import MONTH, bills_of, build_world, debit_type, ref


def _billed_property(m3=20, debit=None, credit=None):
    world = build_world()
    prop = world.add_property(install_reading=0)
    world.read(prop, m3)
    if debit:
        db.session.add(
            b.PendingDebit(
                property_id=prop.id,
                debit_type=debit_type(),
                total=Decimal(debit),
                installments=2,
                first_month=MONTH,
            )
        )
    if credit:
        db.session.add(
            b.PendingCredit(
                property_id=prop.id,
                credit_type=ref(b.CreditType, "discount"),
                total=Decimal(credit),
                first_month=MONTH,
            )
        )
    db.session.commit()
    start_job(BILL_GROUP, {"group_id": world.group.id, "reference_month": MONTH})
    (bill,) = bills_of(prop)
    return prop, bill


def test_rectify_writes_a_new_version_and_keeps_the_old(app):
    prop, old = _billed_property(20, debit="50.00")

    new = rectify_bill(
        old.id,
        "Leitura digitada errada",
        water_m3=15,
        due_date=date(2025, 4, 5),
        actor="fiscal",
    )
    db.session.commit()

    old_version, new_version = bills_of(prop)
    assert (old_version.id, new_version.id) == (old.id, new.id)
    assert (old_version.status, old_version.total) == (
        "cancelled_by_rectification",
        Decimal("126.96") + Decimal("25.00"),
    )
    assert (new.version, new.status, new.origin_bill_id) == (1, "rectified", old.id)
    assert (new.water_m3, new.water_value, new.sewer_value) == (
        15,
        Decimal("63.33"),
        Decimal("28.50"),
    )
    assert new.total == Decimal("91.83") + Decimal("25.00")
    assert new.due_date == date(2025, 4, 5)
    assert new.reason == old_version.reason == "Leitura digitada errada"
    assert parse_barcode(new.barcode).value == new.total
    assert [(d.installment_number, d.amount) for d in new.debits] == [
        (1, Decimal("25.00"))
    ]
    assert [c.water_value for c in new.categories] == [Decimal("63.33")]
    history = db.session.scalar(
        select(m.ConsumptionHistory).where(
            m.ConsumptionHistory.property_id == prop.id,
            m.ConsumptionHistory.connection_type == "water",
        )
    )
    assert (history.billed_m3, history.consumption_type) == (15, "informed")
    changes = db.session.scalars(
        select(AuditLog).where(AuditLog.table_name == "bill")
    ).all()
    assert {(a.action, a.user) for a in changes} == {
        ("update", "fiscal"),
        ("insert", "fiscal"),
    }


def test_rectify_gives_back_the_credit_the_new_version_cannot_use(app):
    prop, old = _billed_property(20, credit="100.00")
    assert old.credits_value == Decimal("100.00")

    new = rectify_bill(old.id, "Consumo revisto em campo", water_m3=10)
    db.session.commit()

    assert new.credits_value == Decimal("58.25")
    assert new.total == Decimal("0.00")
    credit = db.session.scalar(select(b.PendingCredit))
    assert (credit.residual, credit.status) == (Decimal("41.75"), "pending")


def test_cancel_keeps_the_bill_and_gives_back_debits_and_credits(app):
    prop, bill = _billed_property(10, debit="50.00", credit="30.00")

    cancel_bill(bill.id, "Imóvel demolido antes da leitura", actor="gerente")
    db.session.commit()

    db.session.refresh(bill)
    assert (bill.status, bill.reason, bill.changed_by) == (
        "cancelled",
        "Imóvel demolido antes da leitura",
        "gerente",
    )
    assert bill.cancelled_at is not None
    debit = db.session.scalar(select(b.PendingDebit))
    assert (debit.installments_billed, debit.status) == (0, "pending")
    credit = db.session.scalar(select(b.PendingCredit))
    assert (credit.residual, credit.status) == (Decimal("30.00"), "pending")
    audit = db.session.scalar(
        select(AuditLog).where(
            AuditLog.table_name == "bill", AuditLog.action == "update"
        )
    )
    assert audit.changes_dict()["status"] == ["normal", "cancelled"]
    assert audit.user == "gerente"


def test_operations_refuse_without_reason_or_on_a_closed_bill(app):
    _, bill = _billed_property(10)
    with pytest.raises(BillingError) as caught:
        rectify_bill(bill.id, "ok")
    assert caught.value.errors == [
        "Informe o motivo (ao menos 5 caracteres).",
        "Informe o novo consumo ou o novo vencimento.",
    ]
    cancel_bill(bill.id, "Cancelada a pedido")
    with pytest.raises(BillingError, match="não está em aberto \\(cancelled\\)"):
        cancel_bill(bill.id, "De novo, por engano")
    with pytest.raises(BillingError, match="Conta 999 não existe"):
        rectify_bill(999, "Motivo qualquer", water_m3=3)
