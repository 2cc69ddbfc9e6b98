"""Charge an executed work order's service on the property's next bills."""

from __future__ import annotations

from datetime import date

from core.collection.ledger import add_pending_debit, month_of


def charge_work_order(order, executed_on: date) -> None:
    """Create the pending debit of a work order's current value.

    The debit type is the service type's (GSAN's ``svtp.dbtp_id``); its
    origin is the work order, so ``debits_of("work_order", order.id)``
    finds it. The caller checked the debit type and the property.
    """
    kind = order.service_type
    add_pending_debit(
        order.property, kind.debit_type.code, order.current_value,
        description=kind.label, origin="work_order", origin_id=order.id,
        reference_month=month_of(executed_on),
    )
