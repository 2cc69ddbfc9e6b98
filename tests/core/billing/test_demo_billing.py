"""The demo population, prepared by the billing hook, bills group by group."""

from sqlalchemy import func, select

from core.billing.demo import demo_month
from core.billing.jobs import BILL_GROUP
from core.demo import SKELETON_DIR, lay_demo_command
from core.domain import billing as b
from core.domain import cadastre as c
from core.domain import metering as m
from core.extensions import db
from core.gsan_import import import_gsan
from core.toolkits.jobs import JobRun, start_job


def _count(model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _bill_every_group(month):
    groups = db.session.scalars(
        select(b.BillingSchedule.billing_group_id).where(
            b.BillingSchedule.reference_month == month
        )
    ).all()
    runs = [
        db.session.get(
            JobRun, start_job(BILL_GROUP, {"group_id": group, "reference_month": month})
        )
        for group in groups
    ]
    for run in runs:
        db.session.refresh(run)
    return runs


def test_demo_month_is_ready_to_bill_and_bills_once(app):
    import_gsan(db.session, SKELETON_DIR, state="RN", default_deadline_days=15)
    db.session.commit()
    lay_demo_command(150, seed=5)
    month = demo_month()

    runs = _bill_every_group(month)

    assert month == 202502
    assert runs and all(run.status == "done" for run in runs)
    bills = _count(b.Bill, b.Bill.reference_month == month)
    counts = {}
    for run in runs:
        for key, value in run.counts().items():
            counts[key] = counts.get(key, 0) + value
    properties = _count(c.Property)
    assert bills == counts["billed"] > 100
    assert properties == (
        counts["billed"]
        + counts.get("held", 0)
        + counts.get("not_billable", 0)
        + counts.get("refused", 0)
        + counts.get("zero_value", 0)
    )
    assert counts.get("refused", 0) == 0
    assert (
        _count(m.Reading, m.Reading.reference_month == month)
        >= _count(m.MeterInstallation) * 0.9
    )
    assert _count(b.Bill, b.Bill.total <= 0) == 0

    again = _bill_every_group(month)

    assert sum(run.counts().get("billed", 0) for run in again) == 0
    assert _count(b.Bill, b.Bill.reference_month == month) == bills
