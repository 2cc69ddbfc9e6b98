"""Give the application one notion of "today" that tests can fix."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context


class Clock:
    """Tell the date and time in the company's time zone, or a fixed day."""

    def __init__(self, tz: str = "America/Sao_Paulo", fixed: date | None = None):
        self.tz = ZoneInfo(tz)
        self.fixed = fixed

    def today(self) -> date:
        """Return the current date (the fixed day when one is set)."""
        return self.fixed or datetime.now(self.tz).date()

    def now(self) -> datetime:
        """Return the current local time (midday of the fixed day when set)."""
        if self.fixed:
            return datetime(
                self.fixed.year, self.fixed.month, self.fixed.day, 12, tzinfo=self.tz
            )
        return datetime.now(self.tz)

    def set(self, day: date | None) -> None:
        """Fix the clock on a day, or release it with None."""
        self.fixed = day


def get_clock() -> Clock:
    """Return the current application's clock, or a default one."""
    if has_app_context():
        return current_app.extensions["sanea.clock"]
    return Clock()


def today() -> date:
    """Return today's date by the application's clock."""
    return get_clock().today()
