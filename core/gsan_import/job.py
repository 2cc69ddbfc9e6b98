"""Run the GSAN import as the job ``core.import_gsan`` and render its run."""

from __future__ import annotations

import time

from flask import current_app

from core.extensions import db
from core.gsan_import.importer import import_gsan
from core.gsan_import.reader import GsanImportError
from core.gsan_import.report import render
from core.toolkits.jobs import JobContext, JobDefinition, JobError, JobRun

JOB_NAME = "core.import_gsan"
DEFAULT_DEADLINE_DAYS = 15  # the parameter's own default, if it was never seeded


def import_options(app) -> dict:
    """Return the company state, deadline and reference files of an app."""
    from core.params import get_parameter
    from core.setup import reference_files

    deadline = get_parameter(
        "core", "default_request_deadline_days", DEFAULT_DEADLINE_DAYS
    )
    return {
        "state": app.extensions["sanea.profile"].state,
        "default_deadline_days": deadline or DEFAULT_DEADLINE_DAYS,
        "reference_files": tuple(reference_files(app)),
    }


def run_import(ctx: JobContext, directory: str) -> None:
    """Import one GSAN export; store its counts and notes on the run."""
    options = import_options(current_app)
    try:
        report = import_gsan(db.session, directory, **options)
    except GsanImportError as exc:
        for problem in exc.problems:
            ctx.error(str(problem), ref="refused")
        raise JobError(
            f"Importação recusada: {exc.total} erro(s) na exportação; "
            "nada foi importado."
        ) from exc
    for key, n in report.counts.items():
        ctx.count(key, n)
    for note in report.notes:
        ctx.error(note.message, ref=note.ref)


def job_definition() -> JobDefinition:
    """Return the JobDefinition the core's built-in plugin registers."""
    return JobDefinition(
        JOB_NAME,
        "Importar tabelas do GSAN",
        run_import,
        params_help={"directory": "Pasta com as tabelas do GSAN exportadas em CSV"},
    )


def wait_for_run(run_id: int, timeout: float, interval: float = 0.5) -> JobRun:
    """Return the run once it finished (or when ``timeout`` seconds passed)."""
    deadline = time.monotonic() + timeout
    while True:
        db.session.expire_all()
        run = db.session.get(JobRun, run_id)
        if run.status in ("done", "failed") or time.monotonic() >= deadline:
            return run
        time.sleep(interval)


def run_lines(run: JobRun) -> list[str]:
    """Render an import run as the report the CLI prints."""
    errors = run.errors()
    if run.status == "failed":
        return [e["message"] for e in errors if e.get("ref") != "refused"] + [
            f"  {e['message']}" for e in errors if e.get("ref") == "refused"
        ]
    if run.status != "done":
        return [
            f"Rotina {run.name} (execução {run.id}) ainda em andamento: "
            f"situação {run.status}, {run.progress} parte(s)."
        ]
    return render(run.counts(), [(e.get("ref"), e["message"]) for e in errors])
