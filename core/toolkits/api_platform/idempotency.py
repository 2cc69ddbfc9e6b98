"""Replay the first answer to a repeated ``Idempotency-Key`` (§2.5).

A state-changing route declared with ``x-idempotencia: obrigatoria`` runs
in three steps:

1. claim the key: a row EM_ANDAMENTO, committed at once, so a concurrent
   call with the same key sees it and gets ``409 IDEMPOTENCY_EM_ANDAMENTO``;
2. run the handler, which only flushes;
3. write the answer on the row and commit it together with the business
   change: one transaction, so a crash never leaves a change done but not
   recorded. A claim whose call died is taken over after ``STALE_AFTER``.

Same key and same request replays the stored answer with
``Idempotent-Replayed: true``; same key and another request is refused
with ``422 IDEMPOTENCY_KEY_REUTILIZADA``. Answers that may change on a
retry (429, 423, 409 and 5xx) are not kept: the claim is released.

Every other route runs as one unit of work: committed when it answers
below 400, rolled back otherwise.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from datetime import timedelta

from flask import Response, request
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from core.extensions import db
from core.toolkits.api import ApiCall, ApiError, error_response
from core.toolkits.api_platform.clock import now_utc
from core.toolkits.api_platform.errors import (
    CONCURRENCY_CONFLICT,
    IDEMPOTENCY_IN_PROGRESS,
    IDEMPOTENCY_KEY_INVALID,
    IDEMPOTENCY_KEY_MISSING,
    IDEMPOTENCY_KEY_REUSED,
)
from core.toolkits.api_platform.limits import commit_relaxed
from core.toolkits.api_platform.models import IdempotencyRecord

log = logging.getLogger(__name__)
HEADER = "Idempotency-Key"
REPLAY_HEADER = "Idempotent-Replayed"
KEY_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,64}")
KEEP_FOR = timedelta(hours=24)
STALE_AFTER = timedelta(minutes=2)
EXTENSION = "x-idempotencia"
REQUIRED, EXEMPT = "obrigatoria", "isenta"
TRANSIENT_STATUSES = frozenset({409, 423, 429})


def requires_key(call: ApiCall) -> bool:
    """Tell whether the call's route needs an Idempotency-Key."""
    return call.route.extensions.get(EXTENSION) == REQUIRED


# --- the request's fingerprint ----------------------------------------------------


def _canonical_form() -> bytes:
    parts = sorted(f"{name}={value}" for name, value in request.form.items(multi=True))
    files = []
    for name, upload in request.files.items(multi=True):
        digest = hashlib.sha256(upload.stream.read()).hexdigest()
        upload.stream.seek(0)
        files.append(f"{name}:{upload.filename or ''}:{digest}")
    return "\n".join(parts + sorted(files)).encode()


def _canonical_body() -> bytes:
    if request.mimetype in ("multipart/form-data", "application/x-www-form-urlencoded"):
        return _canonical_form()
    raw = request.get_data(cache=True)
    if request.is_json:
        try:
            value = json.loads(raw)
        except ValueError:
            return raw
        return json.dumps(value, sort_keys=True, separators=(",", ":")).encode()
    return raw


def fingerprint(call: ApiCall) -> str:
    """Return the SHA-256 of method, path, sorted query and canonical body."""
    query = "&".join(f"{k}={v}" for k, v in sorted(request.args.items(multi=True)))
    head = f"{call.route.method}\n{request.path}\n{query}\n".encode()
    return hashlib.sha256(head + _canonical_body()).hexdigest()


# --- claiming ----------------------------------------------------------------------


def _key(call: ApiCall) -> str:
    key = request.headers.get(HEADER, "").strip()
    if not key:
        raise ApiError(IDEMPOTENCY_KEY_MISSING,
                       f"Envie o cabeçalho {HEADER} (UUID ou até 64 caracteres "
                       "A-Z, a-z, 0-9, - e _) em toda chamada que altera dados.")
    if not KEY_PATTERN.fullmatch(key):
        raise ApiError(IDEMPOTENCY_KEY_INVALID,
                       f"{HEADER} aceita até 64 caracteres A-Z, a-z, 0-9, - e _.")
    return key


def _replay(record: IdempotencyRecord) -> Response:
    response = Response(record.response_body or None, status=record.status_code,
                        content_type=record.content_type)
    response.headers[REPLAY_HEADER] = "true"
    return response


def _in_progress() -> ApiError:
    return ApiError(IDEMPOTENCY_IN_PROGRESS,
                    "Uma chamada com esta Idempotency-Key ainda está em andamento.",
                    headers={"Retry-After": "1"})


def _take_over(call: ApiCall, record: IdempotencyRecord, now) -> int:
    """Take a claim whose call died (older than STALE_AFTER); return its id."""
    taken = db.session.execute(
        update(IdempotencyRecord)
        .where(IdempotencyRecord.id == record.id,
               IdempotencyRecord.created_at == record.created_at)
        .values(created_at=now)
    ).rowcount
    db.session.commit()
    if not taken:
        raise _in_progress()
    log.warning("idempotency key of partner %s taken over after a lost call",
                call.partner.partner_id)
    return record.id


def _existing(call: ApiCall, key: str, print_: str) -> Response | int | None:
    """Answer from a row already holding this key: a replay, our id, or None."""
    record = db.session.scalar(select(IdempotencyRecord).where(
        IdempotencyRecord.partner_id == call.partner.partner_id,
        IdempotencyRecord.key == key))
    if record is None:
        return None
    now = now_utc()
    if record.expires_at <= now:
        db.session.delete(record)
        db.session.flush()
        return None
    if record.fingerprint != print_:
        raise ApiError(IDEMPOTENCY_KEY_REUSED,
                       "Esta Idempotency-Key já foi usada com outra requisição.")
    if record.state == "CONCLUIDA":
        return _replay(record)
    if now - record.created_at < STALE_AFTER:
        raise _in_progress()
    return _take_over(call, record, now)


def _claim(call: ApiCall, key: str) -> Response | int:
    """Claim the key; return the id of our row, or the answer to replay."""
    print_ = fingerprint(call)
    for _ in range(2):
        found = _existing(call, key, print_)
        if found is not None:
            return found
        now = now_utc()
        record = IdempotencyRecord(
            partner_id=call.partner.partner_id, key=key,
            operation=call.route.operation_id, fingerprint=print_,
            state="EM_ANDAMENTO", created_at=now, expires_at=now + KEEP_FOR)
        db.session.add(record)
        try:
            db.session.flush()
            record_id = record.id  # read before the commit expires it
            # A claim lost in a crash loses no business: the answer, written
            # with the change, commits durably.
            commit_relaxed()
        except IntegrityError:  # a concurrent call claimed it first
            db.session.rollback()
            continue
        return record_id
    raise _in_progress()


# --- completing -----------------------------------------------------------------------


def _release(record_id: int) -> None:
    db.session.rollback()
    db.session.execute(
        delete(IdempotencyRecord).where(IdempotencyRecord.id == record_id))
    db.session.commit()


def _complete(record_id: int, response: Response) -> Response:
    """Record the answer and commit it with the business change."""
    db.session.execute(
        update(IdempotencyRecord).where(IdempotencyRecord.id == record_id).values(
            state="CONCLUIDA", status_code=response.status_code,
            content_type=response.content_type,
            response_body=response.get_data(as_text=True), completed_at=now_utc())
    )
    try:
        db.session.commit()
    except IntegrityError:
        _release(record_id)
        return error_response(ApiError(
            CONCURRENCY_CONFLICT, "Outra chamada alterou o mesmo recurso; tente de "
            "novo em instantes.", headers={"Retry-After": "1"}))
    return response


def _run_claimed(record_id: int, proceed) -> Response:
    try:
        response = proceed()
    except ApiError as exc:
        db.session.rollback()
        response = error_response(exc)
    except Exception:
        _release(record_id)
        raise
    if response.status_code >= 500 or response.status_code in TRANSIENT_STATUSES:
        _release(record_id)
        return response
    if response.status_code >= 400:
        db.session.rollback()  # an error answer keeps no business change
    return _complete(record_id, response)


def _unit_of_work(proceed) -> Response:
    try:
        response = proceed()
    except ApiError:
        db.session.rollback()
        raise
    if response.status_code < 400:
        db.session.commit()
    else:
        db.session.rollback()
    return response


def transaction_middleware(call: ApiCall, proceed) -> Response:
    """Run the call as one transaction, keyed by its Idempotency-Key if required."""
    if not requires_key(call):
        return _unit_of_work(proceed)
    claimed = _claim(call, _key(call))
    if isinstance(claimed, Response):
        return claimed
    return _run_claimed(claimed, proceed)
