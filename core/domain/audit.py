"""Record every change to audited rows: who, when, old and new values."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Column, DateTime, Integer, String, Text, event, inspect
from sqlalchemy.orm import Session

from core.domain.base import Model, utcnow


class AuditLog(Model):
    """One insert, update or delete of an audited row."""

    __tablename__ = "audit_log"
    id = Column(Integer, primary_key=True)
    at = Column(DateTime, nullable=False, default=utcnow, index=True)
    user = Column(String(64), nullable=True)
    table_name = Column(String(64), nullable=False, index=True)
    row_id = Column(String(64), nullable=False, index=True)
    action = Column(String(10), nullable=False)  # insert | update | delete
    changes = Column(Text, nullable=False, default="{}")

    def changes_dict(self) -> dict:
        """Return the changes as {column: [old, new]}."""
        return json.loads(self.changes)

    def action_label(self) -> str:
        """The operation in Portuguese, as the audit screen shows it."""
        return ACTION_LABELS.get(self.action, self.action)

    def changes_text(self) -> str:
        """The changes one per line: ``coluna: antes → depois``."""
        lines = []
        for column, (old, new) in self.changes_dict().items():
            if self.action == "insert":
                lines.append(f"{column}: {_shown(new)}")
            elif self.action == "delete":
                lines.append(f"{column}: {_shown(old)}")
            else:
                lines.append(f"{column}: {_shown(old)} → {_shown(new)}")
        return "\n".join(lines)


ACTION_LABELS = {"insert": "Inclusão", "update": "Alteração", "delete": "Exclusão"}


def _shown(value) -> str:
    if value is None:
        return "(vazio)"
    if value is True:
        return "sim"
    if value is False:
        return "não"
    return str(value)


def _plain(value):
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _row_changes(obj, action: str) -> dict:
    state = inspect(obj)
    changes = {}
    for attr in state.mapper.column_attrs:
        hist = state.attrs[attr.key].history
        if action == "update":
            if not hist.has_changes():
                continue
            old = hist.deleted[0] if hist.deleted else None
            new = hist.added[0] if hist.added else None
            changes[attr.key] = [_plain(old), _plain(new)]
        else:
            value = getattr(obj, attr.key)
            changes[attr.key] = [None, _plain(value)] if action == "insert" else [
                _plain(value), None]
    return changes


def current_username() -> str | None:
    """Return the logged-in user's name, or None outside a request."""
    try:
        from flask import g, has_request_context

        if has_request_context() and getattr(g, "user", None) is not None:
            return getattr(g.user, "username", None)
        from flask_login import current_user

        if has_request_context() and current_user.is_authenticated:
            return current_user.username
    except Exception:  # no login manager in this context
        return None
    return getattr(g, "sanea_actor", None) if has_request_context() else None


def _audited(obj) -> bool:
    return getattr(type(obj), "__audited__", False)


@event.listens_for(Session, "before_flush")
def _collect(session, flush_context, instances):
    pending = session.info.setdefault("audit_pending", [])
    for obj in session.dirty:
        if _audited(obj) and session.is_modified(obj, include_collections=False):
            pending.append((obj, "update", _row_changes(obj, "update")))
    for obj in session.deleted:
        if _audited(obj):
            pending.append((obj, "delete", _row_changes(obj, "delete")))
    for obj in session.new:
        if _audited(obj):
            pending.append((obj, "insert", None))


@event.listens_for(Session, "after_flush")
def _write(session, flush_context):
    pending = session.info.pop("audit_pending", [])
    if not pending:
        return
    user = session.info.get("actor") or current_username()
    rows = []
    for obj, action, changes in pending:
        if changes is None:
            changes = _row_changes(obj, "insert")
        ident = inspect(obj).identity
        rows.append({
            "at": utcnow(), "user": user, "table_name": obj.__tablename__,
            "row_id": ",".join(str(v) for v in ident or ()), "action": action,
            "changes": json.dumps(changes, ensure_ascii=False),
        })
    session.execute(AuditLog.__table__.insert(), rows)
