"""Gather what every property of a route needs before it is billed.

A :class:`RouteRun` is built once per route (one job chunk): the company's
collection codes and parameters, the schedule's dates, the reference rows
and the tariffs, so that deciding one property touches no database.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from flask import current_app
from sqlalchemy import select

from core.billing.errors import BillingError
from core.billing.tariffs import TariffBook
from core.clock import today
from core.domain import billing as b
from core.domain import reference as r
from core.extensions import db
from core.params import get_parameter
from core.services.billing_rules import shift_reference
from core.services.consumption import AnomalyRule

DEFAULT_PERIOD_DAYS = 30
RUN_CACHE_SIZE = 8


@dataclass(frozen=True)
class BillingSettings:
    """The company's parameters and collection codes that shape a bill."""

    rounding: str
    average_months: int
    extra_months: int
    hold_flags: frozenset[str]
    febraban_code: str | None = None
    modulus: int | None = None
    pix: tuple[str, str, str] | None = None  # key, merchant name, city


def load_settings(for_billing: bool) -> BillingSettings:
    """Read the parameters; for billing, require the FEBRABAN codes too.

    A Pix key is optional: without one the bill carries no BR Code.
    """
    flags = get_parameter("core", "consumption_hold_flags", "excess,high,low") or ""
    settings = dict(
        rounding=get_parameter("core", "bill_rounding", "component"),
        average_months=get_parameter("core", "consumption_average_months", 6),
        extra_months=get_parameter("core", "consumption_average_extra_months", 6),
        hold_flags=frozenset(f.strip() for f in flags.split(",") if f.strip()),
    )
    if not for_billing:
        return BillingSettings(**settings)
    profile = current_app.extensions["sanea.profile"]
    pix = None
    if profile.pix_key:
        pix = (
            profile.pix_key,
            profile.require("pix_merchant_name"),
            profile.require("pix_merchant_city"),
        )
    return BillingSettings(
        **settings,
        febraban_code=str(profile.require("febraban_code")),
        modulus=int(profile.require("barcode_modulus")),
        pix=pix,
    )


@dataclass(frozen=True)
class Anomaly:
    """A reading anomaly and the consumption rules it implies."""

    id: int
    code: str
    label: str
    rule_with_reading: AnomalyRule
    rule_without_reading: AnomalyRule
    accepts_reading: bool
    needs_review: bool


@dataclass(frozen=True)
class CategoryInfo:
    """A category's code, order and consumption thresholds."""

    id: int
    code: str
    sort_order: int
    excess_m3: int | None
    excess_factor: Decimal | None
    high_m3: int | None
    high_factor: Decimal | None
    low_average: int | None
    low_percent: Decimal | None


def _rule(value: str | None) -> tuple[AnomalyRule, bool]:
    """Return the rule named ``value``; an unknown one bills the average."""
    try:
        return AnomalyRule(value), True
    except ValueError:
        return AnomalyRule.AVERAGE, False


@dataclass
class ReferenceData:
    """The reference rows a bill needs, by id."""

    anomalies: dict[int, Anomaly]
    categories: dict[int, CategoryInfo]
    water_situations: dict[int, tuple[str, bool]]  # id -> (code, bills)
    sewer_situations: dict[int, tuple[str, bool]]

    def water_bills(self, situation_id: int) -> bool:
        """Tell whether a water situation bills water."""
        return self.water_situations[situation_id][1]

    def sewer_bills(self, situation_id: int) -> bool:
        """Tell whether a sewer situation bills sewer."""
        return self.sewer_situations[situation_id][1]

    def water_code(self, situation_id: int) -> str:
        """Return the code of a water situation."""
        return self.water_situations[situation_id][0]

    @classmethod
    def load(cls) -> ReferenceData:
        """Read anomalies, categories and connection situations."""
        anomalies = {}
        for row in db.session.scalars(select(r.ReadingAnomaly)):
            with_reading, known_with = _rule(row.rule_with_reading)
            without_reading, known_without = _rule(row.rule_without_reading)
            anomalies[row.id] = Anomaly(
                row.id,
                row.code,
                row.label,
                with_reading,
                without_reading,
                row.accepts_reading,
                row.needs_review or not (known_with and known_without),
            )
        categories = {
            row.id: CategoryInfo(
                row.id,
                row.code,
                row.sort_order,
                row.excess_consumption,
                row.excess_average_factor,
                row.high_consumption,
                row.high_average_factor,
                row.low_consumption_average,
                row.low_consumption_percent,
            )
            for row in db.session.scalars(select(r.Category))
        }
        water = {
            s.id: (s.code, s.bills)
            for s in db.session.scalars(select(r.WaterSituation))
        }
        sewer = {
            s.id: (s.code, s.bills)
            for s in db.session.scalars(select(r.SewerSituation))
        }
        return cls(anomalies, categories, water, sewer)


@dataclass
class RouteRun:
    """Everything a route's properties share while being billed."""

    group_id: int
    route_id: int
    month: int
    bill: bool
    settings: BillingSettings
    refs: ReferenceData
    book: TariffBook
    reading_date: date
    previous_reading_date: date | None
    due_date: date | None
    issued_on: date
    main_category: Callable[[dict], str]
    job_run_id: int | None = None

    def default_period_start(self, end: date) -> date:
        """Return the start of a period with no previous reading date."""
        return self.previous_reading_date or end - timedelta(days=DEFAULT_PERIOD_DAYS)


def find_schedule(group_id: int, month: int) -> b.BillingSchedule | None:
    """Return the group's schedule for ``month``, if any."""
    return db.session.scalar(
        select(b.BillingSchedule).where(
            b.BillingSchedule.billing_group_id == group_id,
            b.BillingSchedule.reference_month == month,
        )
    )


def due_dates(schedule: b.BillingSchedule) -> dict[int, date]:
    """Return the due date of each route of a schedule."""
    return {row.route_id: row.due_date for row in schedule.routes}


@dataclass(frozen=True)
class _Shared:
    """What every route of one run shares (read once per run and process)."""

    settings: BillingSettings
    refs: ReferenceData
    book: TariffBook
    reading_date: date
    previous_reading_date: date | None
    due_dates: dict[int, date]


def _load_shared(group_id: int, month: int, bill: bool) -> _Shared:
    schedule = find_schedule(group_id, month)
    if schedule is None:
        raise BillingError(f"O grupo {group_id} não tem cronograma para {month}.")
    previous = find_schedule(group_id, shift_reference(month, -1))
    return _Shared(
        settings=load_settings(bill),
        refs=ReferenceData.load(),
        book=TariffBook.load(),
        reading_date=schedule.reading_date,
        previous_reading_date=previous.reading_date if previous else None,
        due_dates=due_dates(schedule),
    )


def _shared(group_id: int, month: int, bill: bool, job_run_id: int | None) -> _Shared:
    """Return the run's shared data, cached on the app for the run's chunks.

    A run sees the tariffs and parameters as they were when its first chunk
    in this process started; a call outside a job reads them every time.
    """
    if job_run_id is None:
        return _load_shared(group_id, month, bill)
    cache = current_app.extensions.setdefault("sanea.billing_runs", {})
    key = (job_run_id, group_id, month, bill)
    if key not in cache:
        while len(cache) >= RUN_CACHE_SIZE:
            cache.pop(next(iter(cache)))
        cache[key] = _load_shared(group_id, month, bill)
    return cache[key]


def prepare_route(
    group_id: int, month: int, route_id: int, bill: bool, job_run_id: int | None = None
) -> RouteRun:
    """Build the :class:`RouteRun` of one route, refusing a missing schedule."""
    shared = _shared(group_id, month, bill, job_run_id)
    due = shared.due_dates.get(route_id)
    if bill and due is None:
        raise BillingError(
            f"O cronograma de {month} não tem vencimento para a rota {route_id}."
        )
    pm = current_app.extensions["sanea.pm"]
    return RouteRun(
        group_id=group_id,
        route_id=route_id,
        month=month,
        bill=bill,
        settings=shared.settings,
        refs=shared.refs,
        book=shared.book,
        reading_date=shared.reading_date,
        previous_reading_date=shared.previous_reading_date,
        due_date=due,
        issued_on=today(),
        main_category=lambda economies: pm.hook.sanea_main_category(
            economies=economies
        ),
        job_run_id=job_run_id,
    )
