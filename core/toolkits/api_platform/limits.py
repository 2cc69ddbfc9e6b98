"""Count calls in fixed windows and lock subjects after failed proofs (§2.8).

Counters live in Redis when the deployment has one (``SANEA_REDIS_URL``),
else in ``api_rate_counter`` through one upsert per hit, so every worker
process of every host shares them. Locks always live in the database,
next to the business rows they protect.
"""

from __future__ import annotations

import hashlib
import random
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, select, text
from sqlalchemy.exc import IntegrityError

from core.extensions import db
from core.toolkits.api import ApiError
from core.toolkits.api_platform.clock import now_utc, seconds_until
from core.toolkits.api_platform.errors import RATE_LIMITED
from core.toolkits.api_platform.models import FailureLock, PartnerPolicy, RateCounter

EPOCH = datetime(1970, 1, 1)
PURGE_CHANCE = 0.002  # share of hits that also delete expired counters


@dataclass(frozen=True)
class Hit:
    """The outcome of counting one call against a limit."""

    count: int
    limit: int
    resets_at: datetime  # naive UTC: the end of the window

    @property
    def allowed(self) -> bool:
        """Tell whether the call is within the limit."""
        return self.count <= self.limit

    def retry_after(self, now: datetime | None = None) -> int:
        """Return the seconds until the window ends."""
        return seconds_until(self.resets_at, now)


def _window(now: datetime, seconds: int) -> tuple[int, datetime]:
    number = int((now - EPOCH).total_seconds() // seconds)
    return number, EPOCH + timedelta(seconds=(number + 1) * seconds)


@dataclass(frozen=True)
class Limit:
    """One limit to count a call against: key, calls per window, refusal text."""

    key: str
    limit: int
    window_seconds: int
    detail: str = "Limite de requisições excedido."


def commit_relaxed() -> None:
    """Commit bookkeeping (counters, call log) without waiting for the disk.

    On PostgreSQL the transaction commits with ``synchronous_commit`` off:
    a crash may lose its last few counts or log rows, never business data,
    which always commits durably in transactions of its own.
    """
    session = db.session
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL synchronous_commit TO OFF"))
    session.commit()


def _db_increment(counters: dict[str, datetime]) -> dict[str, int]:
    session = db.session
    table = RateCounter.__table__
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    rows = [{"key": key, "count": 1, "expires_at": until}
            for key, until in sorted(counters.items())]
    statement = insert(table).values(rows)
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.key], set_={"count": table.c.count + 1}
    ).returning(table.c.key, table.c.count)
    counts = dict(session.execute(statement).all())
    if random.random() < PURGE_CHANCE:
        oldest = min(counters.values()) - timedelta(hours=2)
        session.execute(delete(table).where(table.c.expires_at < oldest))
    commit_relaxed()
    return counts


def _redis_increment(connection, counters: dict[str, int]) -> dict[str, int]:
    namespace = _redis_namespace()
    pipeline = connection.pipeline()
    for key, ttl in counters.items():
        pipeline.incr(namespace + key)
        pipeline.expire(namespace + key, ttl + 1)
    answers = pipeline.execute()
    return {key: int(answers[2 * i]) for i, key in enumerate(counters)}


def _redis_namespace() -> str:
    """Keep each deployment's counters apart when several share one Redis."""
    database = current_app.config["SQLALCHEMY_DATABASE_URI"]
    return f"sanea:api:rate:{hashlib.sha256(database.encode()).hexdigest()[:12]}:"


def hit_all(limits: list[Limit], now: datetime | None = None) -> list[Hit]:
    """Count one call against every limit, in one round trip; return the hits."""
    now = now or now_utc()
    windows = {}
    for item in limits:
        number, resets_at = _window(now, item.window_seconds)
        windows[item.key] = (f"{item.key}:{item.window_seconds}:{number}", resets_at)
    redis = current_app.extensions.get("sanea.redis")
    if redis is not None:
        counts = _redis_increment(redis, {windows[item.key][0]: item.window_seconds
                                          for item in limits})
    else:
        counts = _db_increment(dict(windows.values()))
    return [Hit(counts[windows[item.key][0]], item.limit, windows[item.key][1])
            for item in limits]


def hit(key: str, limit: int, window_seconds: int, now: datetime | None = None) -> Hit:
    """Count one call for ``key`` in its current window and tell the outcome."""
    return hit_all([Limit(key, limit, window_seconds)], now)[0]


def enforce_all(limits: list[Limit]) -> None:
    """Count a call against every limit; refuse with 429 if one is exceeded."""
    for item, outcome in zip(limits, hit_all(limits), strict=True):
        if not outcome.allowed:
            raise ApiError(RATE_LIMITED, item.detail,
                           headers={"Retry-After": str(outcome.retry_after())})


def enforce(key: str, limit: int, window_seconds: int, detail: str) -> None:
    """Count a call and refuse it with 429 and Retry-After beyond the limit."""
    enforce_all([Limit(key, limit, window_seconds, detail)])


# --- partner policies ---------------------------------------------------------


@dataclass(frozen=True)
class PolicyValues:
    """A partner's limits, with the defaults filled in."""

    customer_rate_limit_per_minute: int = 60
    document_attempts_per_hour: int = 10
    identification_policy: str | None = None


POLICY_CACHE_SECONDS = 30.0


def _read_policy(partner_id: int) -> PolicyValues:
    row = db.session.get(PartnerPolicy, partner_id)
    if row is None:
        return PolicyValues()
    return PolicyValues(row.customer_rate_limit_per_minute,
                        row.document_attempts_per_hour,
                        row.identification_policy or None)


def partner_policy(partner_id: int) -> PolicyValues:
    """Return the partner's own limits, or the defaults when it has no row.

    Each application keeps a partner's policy for ``POLICY_CACHE_SECONDS``:
    a change made in the admin reaches every worker within that time.
    """
    cache = current_app.extensions.setdefault("sanea.api_platform.policies", {})
    now = time.monotonic()
    kept = cache.get(partner_id)
    if kept is None or kept[0] <= now:
        kept = (now + POLICY_CACHE_SECONDS, _read_policy(partner_id))
        cache[partner_id] = kept
    return kept[1]


def forget_policies() -> None:
    """Drop the kept policies (after an edit in this process)."""
    current_app.extensions.pop("sanea.api_platform.policies", None)


# --- locks ----------------------------------------------------------------------


@dataclass(frozen=True)
class LockState:
    """A subject's failed proofs, the proofs it has left and its lock."""

    failures: int
    remaining: int
    locked_until: datetime | None

    @property
    def locked(self) -> bool:
        """Tell whether the last failure locked the subject."""
        return self.locked_until is not None


def locked_until(subject: str, now: datetime | None = None) -> datetime | None:
    """Return when the subject's lock ends, or None when it is not locked."""
    now = now or now_utc()
    until = db.session.scalar(
        select(FailureLock.locked_until).where(FailureLock.subject == subject)
    )
    return until if until is not None and until > now else None


def _lock_row(subject: str) -> FailureLock:
    row = db.session.get(FailureLock, subject, with_for_update=True)
    if row is not None:
        return row
    try:
        with db.session.begin_nested():
            row = FailureLock(subject=subject, failures=0)
            db.session.add(row)
    except IntegrityError:  # another request created it first
        row = db.session.get(FailureLock, subject, with_for_update=True,
                             populate_existing=True)
    return row


def record_failure(
    subject: str,
    max_failures: int,
    lock_for: timedelta,
    window: timedelta | None = None,
    now: datetime | None = None,
) -> LockState:
    """Count one failed proof; the ``max_failures``-th locks for ``lock_for``.

    Failures older than ``window`` (from the first one) and those before an
    ended lock no longer count. The caller commits.
    """
    now = now or now_utc()
    row = _lock_row(subject)
    ended = row.locked_until is not None and row.locked_until <= now
    stale = (window is not None and row.first_failure_at is not None
             and now - row.first_failure_at >= window)
    if ended or stale or not row.failures:
        row.failures, row.first_failure_at, row.locked_until = 0, now, None
    row.failures += 1
    if row.failures >= max_failures:
        row.locked_until = now + lock_for
    db.session.flush()
    remaining = max(0, max_failures - row.failures)
    return LockState(row.failures, remaining, row.locked_until)


def lock_subject(subject: str, until: datetime) -> None:
    """Lock a subject until a given instant, whatever its failures; flush only."""
    row = _lock_row(subject)
    row.locked_until = max(until, row.locked_until or until)
    row.first_failure_at = row.first_failure_at or now_utc()
    db.session.flush()


def clear_failures(subject: str) -> None:
    """Forget a subject's failed proofs (after a successful one); flush only."""
    db.session.execute(delete(FailureLock).where(FailureLock.subject == subject))
