"""Tell the partner API the current instant, in UTC for storage and local for replies.

Expiries, lockouts and rate windows need a clock that moves by minutes,
which the application's day clock (:mod:`core.clock`) does not. Tests (and
rehearsals) may set ``app.config["SANEA_API_NOW"]`` to a callable returning
an aware datetime; without it the instant is the application's clock:
midday of the fixed day when one is set, else the real time.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import current_app

from core.clock import get_clock

NOW_CONFIG_KEY = "SANEA_API_NOW"


def now_local() -> datetime:
    """Return the current instant, aware, in the company's time zone."""
    clock = get_clock()
    override = current_app.config.get(NOW_CONFIG_KEY)
    if override is not None:
        return override().astimezone(clock.tz)
    return clock.now()


def now_utc() -> datetime:
    """Return the current instant as a naive UTC datetime, as stored."""
    return now_local().astimezone(UTC).replace(tzinfo=None)


def local_iso(stored: datetime | None) -> str | None:
    """Format a stored (naive UTC) instant as ISO-8601 with the local offset."""
    if stored is None:
        return None
    aware = stored.replace(tzinfo=UTC).astimezone(get_clock().tz)
    return aware.replace(microsecond=0).isoformat()


def seconds_until(stored: datetime, now: datetime | None = None) -> int:
    """Return the whole seconds (at least 1) from now until a stored instant."""
    now = now or now_utc()
    remaining = (stored - now).total_seconds()
    return max(1, int(remaining + 0.999))
