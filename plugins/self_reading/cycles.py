"""Find a property's reading schedule and its self-reading windows (§4.C).

The planned reading date of reference R is the ``reading_date`` of the
billing group's schedule for R (imóvel → quadra → rota → grupo); the
window is [date − opens, date − closes]. The current reference is the
month the group has open for billing, else the month of today.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select

from core.domain import billing as b
from core.domain.cadastre import BillingGroup, Block, Property, Route
from core.extensions import db
from core.services.billing_rules import reference_of
from plugins.self_reading.params import SelfReadingParams


def reference_text(month: int) -> str:
    """Return a YYYYMM reference as the API writes it: ``2025-03``."""
    return f"{month // 100:04d}-{month % 100:02d}"


@dataclass(frozen=True)
class Window:
    """The days a customer may inform the reading of one reference."""

    reference: int
    planned: date
    opens: date
    closes: date

    def is_open(self, day: date) -> bool:
        """Tell whether ``day`` is inside the window."""
        return self.opens <= day <= self.closes

    def as_json(self) -> dict:
        """Return ``{referencia, abre_em, fecha_em}``."""
        return {
            "referencia": reference_text(self.reference),
            "abre_em": self.opens.isoformat(),
            "fecha_em": self.closes.isoformat(),
        }


def group_of(prop: Property) -> BillingGroup | None:
    """Return the billing group of a property, through its block's route."""
    return db.session.scalar(
        select(BillingGroup)
        .join(Route, Route.billing_group_id == BillingGroup.id)
        .join(Block, Block.route_id == Route.id)
        .where(Block.id == prop.block_id)
    )


def current_reference(group: BillingGroup, day: date) -> int:
    """Return the reference the group is billing now."""
    return group.reference_month or reference_of(day)


def schedules_from(
    group_id: int, month: int, limit: int = 3
) -> list[b.BillingSchedule]:
    """Return the group's schedules from ``month`` on, oldest first."""
    return list(
        db.session.scalars(
            select(b.BillingSchedule)
            .where(
                b.BillingSchedule.billing_group_id == group_id,
                b.BillingSchedule.reference_month >= month,
            )
            .order_by(b.BillingSchedule.reference_month)
            .limit(limit)
        )
    )


def window_of(schedule: b.BillingSchedule, params: SelfReadingParams) -> Window:
    """Return the self-reading window of a schedule."""
    planned = schedule.reading_date
    return Window(
        schedule.reference_month,
        planned,
        planned - timedelta(days=params.opens_before),
        planned - timedelta(days=params.closes_before),
    )


def windows(prop: Property, params: SelfReadingParams, day: date) -> list[Window]:
    """Return the windows of the current reference and the next ones planned."""
    group = group_of(prop)
    if group is None:
        return []
    return [
        window_of(s, params)
        for s in schedules_from(group.id, current_reference(group, day))
    ]


def cycle_window(prop: Property, params: SelfReadingParams, day: date) -> Window | None:
    """Return the current reference's window, or None without a schedule for it."""
    group = group_of(prop)
    found = windows(prop, params, day)
    if (
        group is None
        or not found
        or found[0].reference != current_reference(group, day)
    ):
        return None
    return found[0]


def coming_window(
    prop: Property, params: SelfReadingParams, day: date
) -> Window | None:
    """Return the window open today or the next one to open (UC2009, UC2029)."""
    current = cycle_window(prop, params, day)
    if current is None:
        return None
    later = [w for w in windows(prop, params, day) if w.closes >= day]
    return later[0] if later else current


def window_for(
    prop: Property, params: SelfReadingParams, day: date, reference: int
) -> Window | None:
    """Return the window of one reference, if its schedule exists."""
    group = group_of(prop)
    if group is None:
        return None
    schedule = db.session.scalar(
        select(b.BillingSchedule).where(
            b.BillingSchedule.billing_group_id == group.id,
            b.BillingSchedule.reference_month == reference,
        )
    )
    return window_of(schedule, params) if schedule else None
