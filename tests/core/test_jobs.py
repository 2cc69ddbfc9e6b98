"""The job toolkit: run records, chunks, business errors, inline and RQ."""

import pytest

from core.extensions import db
from core.toolkits.jobs import JobDefinition, JobError, JobRun, start_job
from tests.conftest import REDIS_URL, need_service

SEEN = []


def count_route(ctx, route):
    """Count one route; route 3 has no reading (a business error)."""
    SEEN.append(route)
    ctx.count("properties", route * 10)
    if route == 3:
        ctx.error("imóvel sem leitura", ref=f"rota {route}")


def failing_chunk(ctx, route):
    if route == 2:
        raise JobError("grupo sem cronograma")
    if route == 3:
        raise RuntimeError("falha inesperada")
    ctx.count("ok")


def _register(app, name, func):
    job = JobDefinition(
        name=name, title="Rotina de teste", func=func,
        split=lambda params: [{"route": r} for r in params["routes"]],
    )
    app.extensions["sanea.jobs"][name] = job


def test_inline_run_records_counts_errors_and_duration(app):
    _register(app, "test.count", count_route)
    SEEN.clear()
    run_id = start_job("test.count", {"routes": [1, 2, 3]}, user="admin")
    run = db.session.get(JobRun, run_id)
    db.session.refresh(run)
    assert SEEN == [1, 2, 3]
    assert run.status == "done"
    assert run.mode == "inline"
    assert run.progress == "3/3"
    assert run.counts() == {"properties": 60}
    assert run.errors() == [{"message": "imóvel sem leitura", "ref": "rota 3"}]
    assert run.duration_seconds is not None and run.duration_seconds >= 0


def test_failed_chunks_fail_the_run_and_keep_the_others(app):
    _register(app, "test.fail", failing_chunk)
    run_id = start_job("test.fail", {"routes": [1, 2, 3]})
    run = db.session.get(JobRun, run_id)
    db.session.refresh(run)
    assert run.status == "failed"
    assert run.counts() == {"ok": 1}
    messages = [e["message"] for e in run.errors()]
    assert messages[0] == "grupo sem cronograma"
    assert messages[1].startswith("Erro inesperado: RuntimeError: falha inesperada")


def test_unknown_job_is_refused(app):
    with pytest.raises(KeyError, match="rotina desconhecida"):
        start_job("nao.existe")


def test_empty_split_finishes_at_once(app):
    _register(app, "test.empty", count_route)
    run = db.session.get(JobRun, start_job("test.empty", {"routes": []}))
    assert run.status == "done" and run.progress == "0/0"


@pytest.mark.redis
def test_rq_workers_run_the_chunks(make_app):
    need_service(REDIS_URL, "SANEA_TEST_REDIS_URL")
    from rq import Queue

    from core import worker

    app = make_app(redis_url=REDIS_URL)
    with app.app_context():
        queue: Queue = app.extensions["sanea.queue"]
        queue.empty()
        _register(app, "test.count", count_route)
        SEEN.clear()
        run_id = start_job("test.count", {"routes": [4, 5]})
        run = db.session.get(JobRun, run_id)
        assert run.mode == "rq" and run.status == "queued"
        assert len(queue) == 2
        worker.set_app(app)
        worker.AppSimpleWorker([queue], connection=queue.connection).work(burst=True)
        db.session.expire_all()
        run = db.session.get(JobRun, run_id)
        assert run.status == "done"
        assert run.counts() == {"properties": 90}
        assert sorted(SEEN) == [4, 5]
