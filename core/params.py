"""Read the business parameters of the current deployment."""

from __future__ import annotations

from sqlalchemy import select

from core.domain.parameters import Parameter
from core.extensions import db


class MissingParameter(LookupError):
    """A parameter that no loaded plugin declared, or that was never seeded."""


def get_parameter(plugin: str, key: str, default=...):
    """Return the typed value of ``plugin.key``; refuse an unknown one."""
    row = db.session.scalar(
        select(Parameter).where(Parameter.plugin == plugin, Parameter.key == key)
    )
    if row is None:
        if default is not ...:
            return default
        raise MissingParameter(
            f"Parâmetro {plugin}.{key} não cadastrado: rode 'flask sanea init'."
        )
    return row.typed_value()


def set_parameter(plugin: str, key: str, value, actor: str | None = None) -> None:
    """Change a parameter (audited) and flush; the caller commits."""
    from core.domain.parameters import format_value, parse_value

    row = db.session.scalar(
        select(Parameter).where(Parameter.plugin == plugin, Parameter.key == key)
    )
    if row is None:
        raise MissingParameter(f"Parâmetro {plugin}.{key} não cadastrado.")
    text = format_value(value)
    parse_value(row.value_type, text, tuple(c for c in row.choices.split(",") if c))
    if actor:
        db.session.info["actor"] = actor
    row.value = text
    db.session.flush()
