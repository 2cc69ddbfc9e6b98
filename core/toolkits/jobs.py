"""Run named batch jobs, inline or on RQ workers, with a run record.

A job is a ``JobDefinition``: a dotted name, a Portuguese title, the function
that does one unit of work and, optionally, a ``split`` that cuts the
parameters into chunks (per route, per locality) that any number of RQ
workers can take. Without Redis the chunks run inline, in the same order,
and keep the same run record (DESIGN.md §6).
"""

from __future__ import annotations

import json
import logging
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable

from flask import current_app
from sqlalchemy import Column, DateTime, ForeignKey, Integer, String, Text, update
from sqlalchemy.orm import relationship

from core.domain.base import Model, utcnow
from core.extensions import db

log = logging.getLogger(__name__)
QUEUE_NAME = "sanea"


class JobError(Exception):
    """A business failure that stops a whole chunk; stored on the run."""


@dataclass(frozen=True)
class JobDefinition:
    """A job the admin and the CLI can start."""

    name: str
    title: str
    func: Callable
    split: Callable[[dict], list[dict]] | None = None
    params_help: dict[str, str] = field(default_factory=dict)


STATUS_LABELS = {"queued": "na fila", "running": "em execução", "done": "concluída",
                 "failed": "falhou"}


def describe_run(run: JobRun, parts: str = "partes") -> list[str]:
    """Describe a run for the CLI: status and progress, counts, what was listed."""
    status = STATUS_LABELS.get(run.status, run.status)
    counts = ", ".join(f"{key} {value}" for key, value in sorted(run.counts().items()))
    lines = [f"Execução {run.id} ({run.title}): {status}, {parts} {run.progress}.",
             f"Contagens: {counts or 'nenhuma'}."]
    lines += [f"  {error.get('ref') or '-'}: {error['message']}"
              for error in run.errors()]
    return lines


class JobRun(Model):
    """One execution of a job, with status, progress, counts and errors."""

    __tablename__ = "job_run"
    id = Column(Integer, primary_key=True)
    name = Column(String(80), nullable=False, index=True)
    title = Column(String(120), nullable=False)
    params = Column(Text, nullable=False, default="{}")
    status = Column(String(12), nullable=False, default="queued")
    chunks_total = Column(Integer, nullable=False, default=0)
    chunks_done = Column(Integer, nullable=False, default=0)
    user = Column(String(64), nullable=True)
    mode = Column(String(8), nullable=False, default="inline")
    created_at = Column(DateTime, nullable=False, default=utcnow)
    started_at = Column(DateTime, nullable=True)
    finished_at = Column(DateTime, nullable=True)
    message = Column(Text, nullable=True)
    chunks = relationship("JobChunk", order_by="JobChunk.index", viewonly=True)

    @property
    def progress(self) -> str:
        """Return 'done/total' chunks."""
        return f"{self.chunks_done}/{self.chunks_total}"

    @property
    def duration_seconds(self) -> float | None:
        """Return the run's wall time, once finished."""
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None

    def counts(self) -> dict[str, int]:
        """Return the counts summed over the chunks."""
        total: Counter = Counter()
        for chunk in self.chunks:
            total.update(json.loads(chunk.counts or "{}"))
        return dict(total)

    def errors(self) -> list[dict]:
        """Return the business errors of every chunk, in chunk order."""
        out: list[dict] = []
        for chunk in self.chunks:
            out.extend(json.loads(chunk.errors or "[]"))
        return out

    def params_dict(self) -> dict:
        return json.loads(self.params)


class JobChunk(Model):
    """One unit of work of a run; workers record their own counts here."""

    __tablename__ = "job_chunk"
    id = Column(Integer, primary_key=True)
    run_id = Column(ForeignKey("job_run.id"), nullable=False, index=True)
    index = Column(Integer, nullable=False)
    params = Column(Text, nullable=False, default="{}")
    status = Column(String(12), nullable=False, default="queued")
    counts = Column(Text, nullable=False, default="{}")
    errors = Column(Text, nullable=False, default="[]")
    started_at = Column(DateTime, nullable=True)
    finished_at = Column(DateTime, nullable=True)


class JobContext:
    """What a job function gets: counters, business errors and the run id."""

    def __init__(self, run_id: int, chunk_index: int):
        self.run_id = run_id
        self.chunk_index = chunk_index
        self.counts: Counter = Counter()
        self.errors: list[dict] = []

    def count(self, key: str, n: int = 1) -> None:
        """Add n to the counter ``key``."""
        self.counts[key] += n

    def error(self, message: str, ref: str | None = None) -> None:
        """Record a business failure (a property without a reading...)."""
        self.errors.append({"message": message, "ref": ref})


def registry() -> dict[str, JobDefinition]:
    """Return the jobs of the current app by dotted name."""
    return current_app.extensions["sanea.jobs"]


def start_job(name: str, params: dict | None = None, user: str | None = None) -> int:
    """Create a run of job ``name``, then run or enqueue its chunks; return its id."""
    job = registry().get(name)
    if job is None:
        raise KeyError(f"rotina desconhecida: {name}")
    params = dict(params or {})
    chunk_params = job.split(params) if job.split else [params]
    queue = current_app.extensions.get("sanea.queue")
    run = JobRun(
        name=name, title=job.title, params=json.dumps(params, default=str),
        chunks_total=len(chunk_params), user=user,
        mode="rq" if queue is not None else "inline",
    )
    db.session.add(run)
    db.session.flush()
    db.session.add_all(
        JobChunk(run_id=run.id, index=i, params=json.dumps(p, default=str))
        for i, p in enumerate(chunk_params)
    )
    db.session.commit()
    run_id = run.id
    log.info("job %s run %s started with %s chunks", name, run_id, len(chunk_params))
    if not chunk_params:
        _finish_if_complete(run_id)
    for i in range(len(chunk_params)):
        if queue is None:
            execute_chunk(run_id, i)
        else:
            queue.enqueue(execute_chunk, run_id, i, job_timeout=3600)
    return run_id


def execute_chunk(run_id: int, index: int) -> None:
    """Run one chunk of a run in its own transaction and record the outcome."""
    chunk = db.session.query(JobChunk).filter_by(run_id=run_id, index=index).one()
    run = db.session.get(JobRun, run_id)
    job = registry()[run.name]
    now = utcnow()
    chunk.status, chunk.started_at = "running", now
    db.session.execute(
        update(JobRun).where(JobRun.id == run_id, JobRun.started_at.is_(None))
        .values(started_at=now, status="running")
    )
    db.session.commit()
    ctx = JobContext(run_id, index)
    started = time.monotonic()
    status = "done"
    try:
        job.func(ctx, **json.loads(chunk.params))
        db.session.commit()
    except JobError as exc:
        db.session.rollback()
        ctx.error(str(exc))
        status = "failed"
    except Exception:
        db.session.rollback()
        log.exception("job %s run %s chunk %s failed", run.name, run_id, index)
        ctx.error("Erro inesperado: " + traceback.format_exc(limit=3).splitlines()[-1])
        status = "failed"
    chunk = db.session.query(JobChunk).filter_by(run_id=run_id, index=index).one()
    chunk.status, chunk.finished_at = status, utcnow()
    chunk.counts = json.dumps(dict(ctx.counts))
    chunk.errors = json.dumps(ctx.errors, ensure_ascii=False)
    db.session.execute(
        update(JobRun).where(JobRun.id == run_id)
        .values(chunks_done=JobRun.chunks_done + 1)
    )
    db.session.commit()
    log.info(
        "job %s run %s chunk %s %s in %.2fs", run.name, run_id, index, status,
        time.monotonic() - started,
    )
    _finish_if_complete(run_id)


def _finish_if_complete(run_id: int) -> None:
    run = db.session.get(JobRun, run_id)
    db.session.refresh(run)
    if run.chunks_done < run.chunks_total:
        return
    failed = any(c.status == "failed" for c in run.chunks)
    run.status = "failed" if failed else "done"
    run.finished_at = utcnow()
    run.started_at = run.started_at or run.finished_at
    db.session.commit()


def collect_jobs(pm) -> dict[str, JobDefinition]:
    """Gather every plugin's JobDefinition, refusing duplicate names."""
    jobs: dict[str, JobDefinition] = {}
    for batch in pm.hook.sanea_jobs():
        for job in batch:
            if job.name in jobs:
                raise ValueError(f"duplicate job name {job.name}")
            jobs[job.name] = job
    return jobs
