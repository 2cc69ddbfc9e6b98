"""The batch jobs of payments, collection and service, for the job toolkit.

Each job calls a command and counts what it did; every one of them is
idempotent: a rerun with the same parameters changes nothing more.
"""

from __future__ import annotations

from datetime import date

from core.toolkits.jobs import JobDefinition


def _day(value) -> date | None:
    return date.fromisoformat(str(value)) if value else None


def classify_payments_job(ctx, file_id: int | None = None) -> None:
    """Classify the pending payments (of one return file, if given)."""
    from sqlalchemy import select

    from core.domain.payments import Payment, ReturnFileLine
    from core.extensions import db
    from core.payments.classify import classify_payments

    ids = None
    if file_id:
        ids = list(db.session.scalars(
            select(Payment.id).join(ReturnFileLine,
                                    Payment.return_line_id == ReturnFileLine.id)
            .where(ReturnFileLine.file_id == int(file_id))))
    for status, count in classify_payments(ids).items():
        ctx.count(status, count)


def expire_documents_job(ctx, until: str | None = None) -> None:
    """Release the statements whose validity ended (their credits come back)."""
    from core.collection.documents import expire_documents

    ctx.count("expired", expire_documents(_day(until)))


def undo_unpaid_plans_job(ctx, until: str | None = None) -> None:
    """Undo the installment plans whose down payment was not paid in time."""
    from core.collection.installments import undo_unpaid_plans

    ctx.count("undone", undo_unpaid_plans(_day(until)))


def issue_documents_job(ctx, command_id: int, locality_id: int | None = None) -> None:
    """Run a collection command over one locality (a chunk of the job)."""
    from core.collection.actions import issue_documents_job as run

    run(ctx, int(command_id), int(locality_id) if locality_id else None)


def split_command(params: dict) -> list[dict]:
    """Cut a collection command into one chunk per locality."""
    from core.collection.actions import split_by_locality

    return split_by_locality(params)


def default_deadlines_job(ctx) -> None:
    """Give the specifications without a deadline the company's default."""
    from core.service.commands import apply_default_deadlines

    ctx.count("specifications", apply_default_deadlines())


def definitions() -> list[JobDefinition]:
    """Return the job definitions, by dotted name."""
    return [
        JobDefinition("payments.classify", "Classificar pagamentos",
                      classify_payments_job,
                      params_help={"file_id": "Arquivo de retorno (vazio: todos)"}),
        JobDefinition("collection.issue_documents", "Emitir documentos de cobrança",
                      issue_documents_job, split=split_command,
                      params_help={"command_id": "Comando de cobrança"}),
        JobDefinition("collection.expire_documents", "Encerrar extratos vencidos",
                      expire_documents_job,
                      params_help={"until": "Data de referência (AAAA-MM-DD)"}),
        JobDefinition("collection.undo_unpaid_plans",
                      "Desfazer parcelamentos com entrada não paga",
                      undo_unpaid_plans_job,
                      params_help={"until": "Data de referência (AAAA-MM-DD)"}),
        JobDefinition("service.apply_default_deadlines",
                      "Aplicar prazo padrão às especificações sem prazo",
                      default_deadlines_job),
    ]
