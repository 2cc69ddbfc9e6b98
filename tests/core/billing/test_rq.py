"""The billing job on RQ: each route a queued chunk that a worker takes."""

import pytest
from sqlalchemy import func, select

from core import worker
from core.billing.jobs import BILL_GROUP
from core.domain import billing as b
from core.domain import cadastre as c
from core.extensions import db
from core.toolkits.jobs import JobRun, start_job
from tests.conftest import REDIS_URL, need_service
from tests.core.billing.factory import DUE, MONTH, build_world


@pytest.mark.redis
def test_bill_group_routes_run_on_an_rq_worker(make_app):
    need_service(REDIS_URL, "SANEA_TEST_REDIS_URL")
    app = make_app(redis_url=REDIS_URL, fixed_today="2025-03-11")
    with app.app_context():
        queue = app.extensions["sanea.queue"]
        queue.empty()
        world = build_world()
        second = c.Route(sector=world.sector, code=11, billing_group=world.group)
        block = c.Block(sector=world.sector, number=2, route=second)
        db.session.add_all([second, block])
        db.session.flush()
        schedule = db.session.scalar(
            select(b.BillingSchedule).where(b.BillingSchedule.reference_month == MONTH)
        )
        schedule.routes.append(b.BillingScheduleRoute(route=second, due_date=DUE))
        for _ in range(2):  # two properties on route 10, one on route 11
            world.read(world.add_property(install_reading=0), 12)
        world.block = block
        world.read(world.add_property(install_reading=0), 15)
        db.session.commit()

        run_id = start_job(
            BILL_GROUP, {"group_id": world.group.id, "reference_month": MONTH}
        )
        assert len(queue) == 2
        worker.set_app(app)
        worker.AppSimpleWorker([queue], connection=queue.connection).work(burst=True)

        db.session.expire_all()
        run = db.session.get(JobRun, run_id)
        assert (run.mode, run.status, run.progress) == ("rq", "done", "2/2")
        assert run.counts()["billed"] == 3
        assert db.session.scalar(select(func.count()).select_from(b.Bill)) == 3
