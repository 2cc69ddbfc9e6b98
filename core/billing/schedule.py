"""Create a billing group's schedule for a month, with each route's due date."""

from __future__ import annotations

from datetime import date

from core.billing import queries
from core.billing.context import find_schedule
from core.billing.errors import refuse_if
from core.domain import billing as b
from core.domain.cadastre import BillingGroup
from core.extensions import db
from core.services.billing_rules import check_reference_month, format_reference


def create_schedule(
    group_id: int,
    month: int,
    reading_date: date,
    billing_date: date,
    due_date: date,
    route_due_dates: dict[int, date] | None = None,
    actor: str | None = None,
) -> b.BillingSchedule:
    """Create the schedule of a group for ``month``.

    Every route of the group gets ``due_date`` unless ``route_due_dates``
    gives it another one.
    """
    errors = []
    try:
        month = check_reference_month(month)
    except ValueError as exc:
        errors.append(str(exc))
    group = db.session.get(BillingGroup, group_id)
    if group is None:
        errors.append(f"Grupo de faturamento {group_id} não existe.")
    elif not errors and find_schedule(group_id, month) is not None:
        errors.append(
            f"O grupo {group} já tem cronograma para {format_reference(month)}."
        )
    if billing_date < reading_date:
        errors.append("A data de faturamento não pode ser anterior à de leitura.")
    routes = dict(queries.group_routes(group_id)) if group else {}
    unknown = set(route_due_dates or {}) - set(routes)
    errors += [f"A rota {route_id} não é do grupo." for route_id in sorted(unknown)]
    dates = {
        route_id: (route_due_dates or {}).get(route_id, due_date) for route_id in routes
    }
    errors += [
        f"Vencimento da rota {routes[route_id]} antes do faturamento."
        for route_id, day in dates.items()
        if day < billing_date
    ]
    refuse_if(errors)

    if actor:
        db.session.info["actor"] = actor
    schedule = b.BillingSchedule(
        billing_group_id=group_id,
        reference_month=month,
        reading_date=reading_date,
        billing_date=billing_date,
    )
    schedule.routes = [
        b.BillingScheduleRoute(route_id=route_id, due_date=day)
        for route_id, day in dates.items()
    ]
    db.session.add(schedule)
    db.session.flush()
    return schedule
