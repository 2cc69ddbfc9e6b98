"""Record every partner API call: partner, customer, operation and result (§2.8).

The path's identifiers (matrícula, customer id) and any document a handler
names with :func:`audit_subject` are kept only as keyed hashes; bodies,
passwords, codes and tokens are never stored. A failure to write the log
is logged and never breaks the answer.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable

from flask import Response
from sqlalchemy.exc import SQLAlchemyError

from core.extensions import db
from core.toolkits.api import (
    PROBLEM_MIME,
    ApiCall,
    ApiError,
    check_scope,
    error_response,
)
from core.toolkits.api_platform.clock import now_utc
from core.toolkits.api_platform.idempotency import REPLAY_HEADER
from core.toolkits.api_platform.limits import commit_relaxed
from core.toolkits.api_platform.models import CallLog
from core.toolkits.api_platform.privacy import keyed_hash
from core.toolkits.api_platform.sessions import channel_of, customer_session

log = logging.getLogger(__name__)
SUBJECT_EXTRA = "audit_subject"
STARTED_EXTRA = "audit_started"


def audit_subject(call: ApiCall, value: str) -> None:
    """Name the document or matrícula the call is about (stored hashed)."""
    call.extras[SUBJECT_EXTRA] = keyed_hash(value, "audit")


def _subject(call: ApiCall) -> str | None:
    if SUBJECT_EXTRA in call.extras:
        return call.extras[SUBJECT_EXTRA]
    if call.path_params:
        joined = "/".join(str(v) for _, v in sorted(call.path_params.items()))
        return keyed_hash(joined, "audit")
    return None


def _result_code(response: Response) -> str:
    if response.status_code < 400:
        return "OK"
    if response.mimetype == PROBLEM_MIME:
        try:
            return str(json.loads(response.get_data())["code"])[:60]
        except (ValueError, KeyError, TypeError):
            pass
    return f"HTTP_{response.status_code}"


def record_call(call: ApiCall, status: int, result: str, replay: bool = False) -> None:
    """Write one call log row in its own commit."""
    started = call.extras.get(STARTED_EXTRA, time.perf_counter())
    session = customer_session(call)
    partner = call.partner
    row = {
        "at": now_utc(), "partner_id": partner.partner_id if partner else None,
        "token_prefix": partner.prefix if partner else None,
        "customer_id": session.customer_id if session else None,
        "operation": call.route.operation_id, "method": call.route.method,
        "route": call.route.path, "status": status, "result": result,
        "duration_ms": round((time.perf_counter() - started) * 1000, 2),
        "request_id": call.request_id, "channel": channel_of(call),
        "subject_hash": _subject(call), "idempotent_replay": int(replay),
    }
    try:
        db.session.execute(CallLog.__table__.insert(), row)
        commit_relaxed()
    except SQLAlchemyError:
        db.session.rollback()
        log.warning("api call log not written for request %s", call.request_id)


def audit_middleware(call: ApiCall, proceed) -> Response:
    """Log the call's outcome, whatever it is, after it has been answered."""
    try:
        response = proceed()
    except ApiError as exc:
        db.session.rollback()
        response = error_response(exc)
    except Exception:
        db.session.rollback()
        record_call(call, 500, "ERRO_INTERNO")
        raise
    replay = response.headers.get(REPLAY_HEADER) == "true"
    record_call(call, response.status_code, _result_code(response), replay)
    return response


def audited_authenticator(authenticate: Callable[[ApiCall], None]):
    """Wrap an authenticator so refused callers (401, 403) are logged too.

    The route's scope is checked here as well, so a 403 for a missing scope
    is logged; the toolkit's own check then passes.
    """

    def authenticate_and_log(call: ApiCall) -> None:
        call.extras[STARTED_EXTRA] = time.perf_counter()
        try:
            authenticate(call)
            check_scope(call)
        except ApiError as exc:
            db.session.rollback()
            record_call(call, exc.kind.status, exc.kind.code)
            raise

    authenticate_and_log.__wrapped__ = authenticate
    return authenticate_and_log
