"""Run the commercial update of a work order's service type on execution.

Each service type names an update (``ServiceType.commercial_update``); the
core contributes the ones below through the ``sanea_work_order_updates``
hook, and a plugin or a company profile may add more or replace one under
the same key (the last registered wins: core, plugins, then the company).

- ``cut``: the water connection becomes cut (5 CORTADO), ``cut_on`` set;
- ``reconnection``: connected again, ``reconnected_on`` set; a sewer
  connection out of use is back in use (GSAN's ``efetuarReligacaoAgua``);
- ``suppression`` / ``partial_suppression``: suppressed totally or partially
  (specs/README.md rule 5), ``suppressed_on`` set.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from flask import current_app
from sqlalchemy import select

from core.domain.cadastre import SewerConnection, WaterConnection
from core.domain.reference import SewerSituation, WaterSituation
from core.extensions import db
from core.plugins import call_in_order

_CACHE = "sanea.work_order_updates"


@dataclass(frozen=True)
class CommercialUpdate:
    """What executing a work order of a service type does to the cadastre.

    ``check`` returns the Portuguese problems that forbid the update (none
    when it may run); ``apply`` changes the rows in the session.
    """

    label: str
    check: Callable[[object], list[str]]
    apply: Callable[[object, date], None]


def water_situation(code: str) -> WaterSituation:
    """Return the water situation of ``code``; refuse a code not loaded."""
    row = db.session.scalar(select(WaterSituation).where(WaterSituation.code == code))
    if row is None:
        raise LookupError(f"Situação de ligação de água '{code}' não cadastrada.")
    return row


def _water_in(order, codes: tuple[str, ...], action: str) -> list[str]:
    prop = order.property
    if prop is None:
        return [f"A OS {order.id} não tem imóvel; {action} exige um imóvel."]
    if prop.water_situation.code not in codes:
        return [
            f"A ligação de água do imóvel {prop.registration_display} está "
            f"'{prop.water_situation.label}'; {action} não se aplica."
        ]
    return []


def _connection(prop) -> WaterConnection:
    if prop.water_connection is None:
        db.session.add(WaterConnection(property=prop))
    return prop.water_connection


def _apply_cut(order, day: date) -> None:
    order.property.water_situation = water_situation("cut")
    _connection(order.property).cut_on = day


def _apply_reconnection(order, day: date) -> None:
    prop = order.property
    prop.water_situation = water_situation("connected")
    _connection(prop).reconnected_on = day
    if prop.sewer_situation.code == "out_of_use":
        prop.sewer_situation = db.session.scalar(
            select(SewerSituation).where(SewerSituation.code == "connected")
        )
        if prop.sewer_connection is None:
            db.session.add(SewerConnection(property=prop))


def _suppress(code: str) -> Callable[[object, date], None]:
    def apply(order, day: date) -> None:
        order.property.water_situation = water_situation(code)
        _connection(order.property).suppressed_on = day

    return apply


CONNECTED = ("connected", "under_inspection")
INTERRUPTED = ("cut", "suppressed", "partially_suppressed",
               "partially_suppressed_on_request")

CORE_UPDATES = {
    "cut": CommercialUpdate(
        "Corte da ligação de água",
        lambda order: _water_in(order, CONNECTED, "o corte"),
        _apply_cut,
    ),
    "reconnection": CommercialUpdate(
        "Religação da ligação de água",
        lambda order: _water_in(order, INTERRUPTED, "a religação"),
        _apply_reconnection,
    ),
    "suppression": CommercialUpdate(
        "Supressão total da ligação de água",
        lambda order: _water_in(order, CONNECTED + ("cut",), "a supressão"),
        _suppress("suppressed"),
    ),
    "partial_suppression": CommercialUpdate(
        "Supressão parcial da ligação de água",
        lambda order: _water_in(order, CONNECTED + ("cut",), "a supressão parcial"),
        _suppress("partially_suppressed"),
    ),
}


def registered_updates() -> dict[str, CommercialUpdate]:
    """Return every contributed update by key, the later plugins winning."""
    app = current_app._get_current_object()
    updates = app.extensions.get(_CACHE)
    if updates is None:
        updates = {}
        for batch in call_in_order(app.extensions["sanea.pm"],
                                   "sanea_work_order_updates"):
            updates.update(batch)
        app.extensions[_CACHE] = updates
    return updates


def update_for(key: str | None) -> CommercialUpdate | None:
    """Return the update named ``key`` (None for a type without update)."""
    if not key:
        return None
    updates = registered_updates()
    if key not in updates:
        raise LookupError(f"Atualização comercial '{key}' não registrada.")
    return updates[key]
