"""The billing jobs: one chunk per route, so any number of workers share them.

``billing.compute_consumption`` decides the month's consumption of every
unbilled property of a group (GSAN's "consistir leituras e calcular
consumos"); ``billing.bill_group`` does the same and bills every property
whose consumption is not held for analysis. Both take ``group_id`` and
``reference_month`` (AAAAMM); a rerun bills only what is still unbilled.

The split validates everything first (group, schedule, due dates, the
company's FEBRABAN codes, a default tariff) and refuses with every problem
listed before a run is even created.
"""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from core.billing import queries
from core.billing.context import due_dates, find_schedule
from core.billing.errors import BillingError, refuse_if
from core.billing.generate import process_route
from core.company import MissingCompanyParameter
from core.domain import billing as b
from core.domain.cadastre import BillingGroup
from core.extensions import db
from core.services.billing_rules import check_reference_month, format_reference
from core.toolkits.jobs import JobDefinition, JobError

BILL_GROUP = "billing.bill_group"
COMPUTE_CONSUMPTION = "billing.compute_consumption"
PARAMS_HELP = {
    "group_id": "Grupo de faturamento (id)",
    "reference_month": "Referência do faturamento (AAAAMM)",
}


def _check_company(errors: list[str]) -> None:
    profile = current_app.extensions["sanea.profile"]
    for name in ("febraban_code", "barcode_modulus"):
        try:
            profile.require(name)
        except MissingCompanyParameter as exc:
            errors.append(str(exc))


def _split(params: dict, billing: bool) -> list[dict]:
    """Validate the run's parameters; return one chunk per route of the group."""
    errors: list[str] = []
    try:
        month = check_reference_month(params.get("reference_month"))
    except ValueError as exc:
        raise BillingError(str(exc)) from None
    group = db.session.get(BillingGroup, int(params.get("group_id") or 0))
    if group is None:
        raise BillingError(f"Grupo de faturamento {params.get('group_id')} não existe.")
    routes = queries.group_routes(group.id)
    refuse_if([] if routes else [f"O grupo {group} não tem rotas."])
    schedule = find_schedule(group.id, month)
    if schedule is None:
        errors.append(
            f"O grupo {group} não tem cronograma para {format_reference(month)}."
        )
    elif billing:
        due = due_dates(schedule)
        errors += [
            f"Rota {code} sem data de vencimento no cronograma."
            for route_id, code in routes
            if route_id not in due
        ]
    if billing:
        _check_company(errors)
        if (
            db.session.scalar(
                select(b.Tariff.id).where(
                    b.Tariff.is_default.is_(True), b.Tariff.active.is_(True)
                )
            )
            is None
        ):
            errors.append("Nenhuma tarifa padrão ativa cadastrada.")
    refuse_if(errors)
    return [
        {"group_id": group.id, "reference_month": month, "route_id": route_id}
        for route_id, _ in routes
    ]


def split_bill_group(params: dict) -> list[dict]:
    """Split a billing run of a group and month into one chunk per route."""
    return _split(params, billing=True)


def split_compute_consumption(params: dict) -> list[dict]:
    """Split a consumption run of a group and month into one chunk per route."""
    return _split(params, billing=False)


def _run(ctx, group_id: int, reference_month: int, route_id: int, bill: bool) -> None:
    try:
        process_route(ctx, group_id, reference_month, route_id, bill=bill)
    except BillingError as exc:
        raise JobError(str(exc)) from exc


def bill_route(ctx, group_id: int, reference_month: int, route_id: int) -> None:
    """Bill one route of a group for a month (one chunk of billing.bill_group)."""
    _run(ctx, group_id, reference_month, route_id, bill=True)


def compute_route_consumption(
    ctx, group_id: int, reference_month: int, route_id: int
) -> None:
    """Decide one route's consumption for a month, without billing it."""
    _run(ctx, group_id, reference_month, route_id, bill=False)


def billing_jobs() -> list[JobDefinition]:
    """Return the billing cycle's job definitions."""
    return [
        JobDefinition(
            COMPUTE_CONSUMPTION,
            "Consistir leituras e calcular consumos",
            compute_route_consumption,
            split_compute_consumption,
            PARAMS_HELP,
        ),
        JobDefinition(
            BILL_GROUP, "Faturar grupo", bill_route, split_bill_group, PARAMS_HELP
        ),
    ]


def run_lines(run) -> list[str]:
    """Describe a billing run for the CLI: its chunks are the group's routes."""
    from core.toolkits.jobs import describe_run

    return describe_run(run, parts="rotas")
