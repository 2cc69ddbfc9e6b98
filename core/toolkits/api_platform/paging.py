"""Page collections in the ``{"data": [...], "page": {...}}`` envelope (§2.6).

``?limit=`` (default 50, at most 200) and an opaque ``?cursor=``: the
base64url of the last item's sort key and a hash of the filters, so a
cursor used with other filters answers ``422 CURSOR_INVALIDO``.
``?incluir_total=true`` adds ``page.total``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import func, select, tuple_

from core.extensions import db
from core.toolkits.api import ApiCall, ApiError, Param
from core.toolkits.api_platform.errors import CURSOR_INVALID

DEFAULT_LIMIT, MAX_LIMIT = 50, 200
PAGE_PARAMS = (
    Param("limit", "query", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT,
                             "default": DEFAULT_LIMIT},
          "Itens por página (padrão 50, máximo 200)."),
    Param("cursor", "query", {"type": "string", "maxLength": 512},
          "Cursor opaco devolvido em page.next_cursor da página anterior."),
    Param("incluir_total", "query", {"type": "boolean", "default": False},
          "Inclui page.total (custoso; desligado por padrão)."),
)


def envelope_schema(title: str, item_schema: Mapping[str, Any]) -> dict:
    """Return the JSON Schema of a page of ``item_schema`` items."""
    return {
        "title": title,
        "type": "object",
        "required": ["data", "page"],
        "properties": {
            "data": {"type": "array", "items": dict(item_schema)},
            "page": {
                "type": "object",
                "required": ["limit", "next_cursor"],
                "properties": {
                    "limit": {"type": "integer"},
                    "next_cursor": {"type": ["string", "null"]},
                    "total": {"type": "integer"},
                },
            },
        },
    }


def filter_hash(filters: Mapping[str, Any]) -> str:
    """Return a short hash of the filters a cursor was made under."""
    text = json.dumps(dict(filters), sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def encode_cursor(key: Sequence, filters: Mapping[str, Any]) -> str:
    """Return the opaque cursor after the item whose sort key is ``key``."""
    raw = json.dumps({"k": list(key), "f": filter_hash(filters)}, default=str)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, filters: Mapping[str, Any]) -> list:
    """Return the sort key of a cursor; 422 CURSOR_INVALIDO if it does not fit."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode()))
        key, made_under = value["k"], value["f"]
    except (binascii.Error, ValueError, TypeError, KeyError, UnicodeDecodeError):
        raise ApiError(CURSOR_INVALID, "O cursor informado não é válido.") from None
    if made_under != filter_hash(filters) or not isinstance(key, list):
        raise ApiError(CURSOR_INVALID,
                       "O cursor foi gerado com outros filtros; recomece a listagem.")
    return key


def _as_key(value) -> list:
    return list(value) if isinstance(value, tuple | list) else [value]


def _envelope(items: list, limit: int, next_cursor: str | None, total=None) -> dict:
    page: dict[str, Any] = {"limit": limit, "next_cursor": next_cursor}
    if total is not None:
        page["total"] = total
    return {"data": items, "page": page}


def paginate(
    items: Iterable,
    key: Callable[[Any], Any],
    call: ApiCall,
    filters: Mapping[str, Any],
    render: Callable[[Any], Any] = lambda item: item,
) -> dict:
    """Page a small in-memory collection sorted by ``key``."""
    limit = int(call.query.get("limit") or DEFAULT_LIMIT)
    ordered = sorted(items, key=lambda item: _as_key(key(item)))
    total = len(ordered) if call.query.get("incluir_total") else None
    if call.query.get("cursor"):
        after = decode_cursor(call.query["cursor"], filters)
        ordered = [item for item in ordered if _as_key(key(item)) > after]
    page = ordered[:limit]
    next_cursor = None
    if len(ordered) > limit:
        next_cursor = encode_cursor(_as_key(key(page[-1])), filters)
    return _envelope([render(item) for item in page], limit, next_cursor, total)


def paginate_select(
    statement,
    sort_columns: Sequence,
    call: ApiCall,
    filters: Mapping[str, Any],
    render: Callable[[Any], Any],
) -> dict:
    """Page a SELECT by keyset on ``sort_columns`` (a unique, ascending key).

    Each row must carry the sort columns as its first values.
    """
    limit = int(call.query.get("limit") or DEFAULT_LIMIT)
    total = None
    if call.query.get("incluir_total"):
        total = db.session.scalar(select(func.count()).select_from(
            statement.order_by(None).subquery()))
    if call.query.get("cursor"):
        after = decode_cursor(call.query["cursor"], filters)
        if len(after) != len(sort_columns):
            raise ApiError(CURSOR_INVALID, "O cursor informado não é válido.")
        statement = statement.where(tuple_(*sort_columns) > tuple_(*after))
    rows = db.session.execute(
        statement.order_by(*sort_columns).limit(limit + 1)).all()
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = encode_cursor(list(rows[-1][: len(sort_columns)]), filters)
    return _envelope([render(row) for row in rows], limit, next_cursor, total)
