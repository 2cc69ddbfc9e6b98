"""Give the domain its shared column helpers and mixins."""

from __future__ import annotations

from datetime import datetime, timezone

from flask_appbuilder import Model
from sqlalchemy import Boolean, Column, DateTime, Integer, String

MONEY = (13, 2)


def utcnow() -> datetime:
    """Return the current UTC time (naive, as stored)."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


class ReferenceMixin:
    """A code-keyed reference row: stable English code, pt_BR label, GSAN id."""

    id = Column(Integer, primary_key=True)
    code = Column(String(60), unique=True, nullable=False)
    label = Column(String(120), nullable=False)
    gsan_id = Column(Integer, unique=True, nullable=True)
    active = Column(Boolean, nullable=False, default=True, server_default="1")

    def __str__(self) -> str:
        return self.label


class GsanKeyMixin:
    """Keep the GSAN id of an imported row beside our own key."""

    gsan_id = Column(Integer, unique=True, nullable=True, index=True)


class TimestampMixin:
    """Record when a row was created and last changed."""

    created_at = Column(DateTime, nullable=False, default=utcnow)
    updated_at = Column(DateTime, nullable=False, default=utcnow, onupdate=utcnow)


__all__ = ["Model", "MONEY", "ReferenceMixin", "GsanKeyMixin", "TimestampMixin"]
