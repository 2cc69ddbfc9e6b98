"""Count business days with national, state and municipal holidays.

A business day is a weekday that is not a holiday (micromedicao-cadastro.md
§2). National and state holidays come from the ``holidays`` package
(``holidays.Brazil(subdiv=state)``), which also computes the Easter-based
dates (Sexta-feira Santa, Carnaval, Corpus Christi) for any year. Municipal
holidays and any other closed days are given by the company.

Pontos facultativos (Carnaval Monday and Tuesday, Corpus Christi, 24/12,
31/12, 28/10) are business days unless ``optional_days_as_holidays`` is set;
Ash Wednesday is always a business day, because offices open at 14h.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from enum import StrEnum

import holidays
from dateutil.easter import easter

MUNICIPAL_HOLIDAY_NAME = "Feriado municipal"
EXTRA_HOLIDAY_NAME = "Feriado"

RecurringDay = tuple[int, int]
HolidaySpec = date | RecurringDay


class DeadlineMode(StrEnum):
    """How a deadline of ``n`` days is counted (the spec's ``modo``)."""

    BUSINESS = "business"  # UTEIS: the n-th business day after the start
    CALENDAR = "calendar"  # CORRIDOS: start + n
    CALENDAR_ROLLED = "calendar_rolled"  # CORRIDOS_PRORROGAVEL: start + n, rolled


def _named(
    days: Iterable[HolidaySpec] | Mapping[HolidaySpec, str], default_name: str
) -> dict[HolidaySpec, str]:
    """Return ``days`` as a mapping from day to name."""
    if isinstance(days, Mapping):
        items = days.items()
    else:
        items = ((day, default_name) for day in days)

    named: dict[HolidaySpec, str] = {}
    for day, name in items:
        if isinstance(day, date):
            named[day] = name
        elif _is_month_day(day):
            named[(day[0], day[1])] = name
        else:
            raise ValueError(f"Feriado inválido: {day!r}. Use uma data ou (mês, dia).")
    return named


def _is_month_day(value: object) -> bool:
    """Tell whether ``value`` is a valid ``(month, day)`` pair (29/02 allowed)."""
    if not isinstance(value, tuple) or len(value) != 2:
        return False
    try:
        date(2000, value[0], value[1])
    except (TypeError, ValueError):
        return False
    return True


class BusinessCalendar:
    """Answer whether a day is a business day and count days from a date.

    ``state`` is the UF (``"RN"``, ``"SP"``...) or ``None`` for national
    holidays only. ``municipal_holidays`` and ``extra_holidays`` take dates
    or recurring ``(month, day)`` pairs, as a list or as a mapping to the
    holiday's name.
    """

    def __init__(
        self,
        state: str | None = None,
        municipal_holidays: Iterable[HolidaySpec] | Mapping[HolidaySpec, str] = (),
        extra_holidays: Iterable[HolidaySpec] | Mapping[HolidaySpec, str] = (),
        *,
        optional_days_as_holidays: bool = False,
    ) -> None:
        subdivision = state.upper() if state else None
        if subdivision and subdivision not in holidays.Brazil.subdivisions:
            raise ValueError(f"UF desconhecida: {state!r}.")
        self.state = subdivision
        self.optional_days_as_holidays = optional_days_as_holidays

        categories = [holidays.PUBLIC]
        if optional_days_as_holidays:
            categories.append(holidays.OPTIONAL)
        self._official = holidays.Brazil(
            subdiv=subdivision, language="pt_BR", categories=tuple(categories)
        )
        self._local = _named(municipal_holidays, MUNICIPAL_HOLIDAY_NAME)
        self._local.update(_named(extra_holidays, EXTRA_HOLIDAY_NAME))

    def holiday_name(self, day: date) -> str | None:
        """Return the name of the holiday on ``day``, or ``None``."""
        if day in self._official and not self._is_ash_wednesday(day):
            return self._official.get_list(day)[0]
        return self._local.get(day) or self._local.get((day.month, day.day))

    def is_business_day(self, day: date) -> bool:
        """Tell whether ``day`` is a weekday and not a holiday."""
        return day.weekday() < 5 and self.holiday_name(day) is None

    def roll_forward(self, day: date) -> date:
        """Return ``day`` if it is a business day, else the next business day."""
        while not self.is_business_day(day):
            day += timedelta(days=1)
        return day

    def next_business_day(self, day: date) -> date:
        """Return ``day`` itself if it is a business day, else the next one."""
        return self.roll_forward(day)

    def add_business_days(self, day: date, count: int) -> date:
        """Return the ``count``-th business day after ``day`` (before if negative).

        Counting starts on the day after ``day``; ``count == 0`` returns
        ``day`` unchanged.
        """
        step = timedelta(days=1 if count >= 0 else -1)
        remaining = abs(count)
        while remaining:
            day += step
            if self.is_business_day(day):
                remaining -= 1
        return day

    def add_calendar_days_rolled(self, day: date, count: int) -> date:
        """Add ``count`` calendar days, then roll to a business day."""
        return self.roll_forward(day + timedelta(days=count))

    def business_days_between(self, start: date, end: date) -> int:
        """Count business days after ``start`` up to and including ``end``."""
        count = 0
        day = start + timedelta(days=1)
        while day <= end:
            if self.is_business_day(day):
                count += 1
            day += timedelta(days=1)
        return count

    def deadline(self, start: date, count: int, mode: DeadlineMode | str) -> date:
        """Return the deadline ``count`` days after ``start`` counted by ``mode``."""
        mode = DeadlineMode(mode)
        if mode is DeadlineMode.BUSINESS:
            return self.add_business_days(start, count)
        if mode is DeadlineMode.CALENDAR:
            return start + timedelta(days=count)
        return self.add_calendar_days_rolled(start, count)

    @staticmethod
    def _is_ash_wednesday(day: date) -> bool:
        """Tell whether ``day`` is Ash Wednesday (a half-day ponto facultativo)."""
        return day == easter(day.year) - timedelta(days=46)
