"""Give every part of the application the company's business-day calendar.

The calendar is the answer of the ``sanea_business_calendar`` rule hook
(national and state holidays, plus the municipal ones the company profile
lists); a company profile may return a calendar of its own. It is built once
per application and cached in ``app.extensions``.
"""

from __future__ import annotations

from datetime import date

from flask import Flask, current_app

from core.services.calendar import BusinessCalendar, DeadlineMode

_KEY = "sanea.calendar"


def business_calendar(app: Flask | None = None) -> BusinessCalendar:
    """Return the company's calendar of ``app`` (the current app by default)."""
    app = app or current_app._get_current_object()
    calendar = app.extensions.get(_KEY)
    if calendar is None:
        profile = app.extensions["sanea.profile"]
        calendar = app.extensions["sanea.pm"].hook.sanea_business_calendar(
            profile=profile
        )
        if calendar is None:
            raise RuntimeError("no plugin answered sanea_business_calendar")
        app.extensions[_KEY] = calendar
    return calendar


def is_business_day(day: date) -> bool:
    """Tell whether ``day`` is a business day for the company."""
    return business_calendar().is_business_day(day)


def next_business_day(day: date) -> date:
    """Return ``day`` when it is a business day, else the next business day."""
    return business_calendar().roll_forward(day)


def add_business_days(day: date, count: int) -> date:
    """Return the ``count``-th business day after ``day``."""
    return business_calendar().add_business_days(day, count)


def deadline(start: date, count: int, mode: DeadlineMode | str) -> date:
    """Return the deadline ``count`` days after ``start`` counted by ``mode``."""
    return business_calendar().deadline(start, count, mode)
