"""React when a property's debt is paid or put into installments.

- Pending cut orders issued by collection are closed without execution
  (parameter ``cancel_collection_orders_on_payment``), and the documents
  whose every debt is settled stop charging.
- A cut property gets a reconnection work order when the company's
  parameter ``reconnection_work_order`` says so: ``paid`` once nothing
  overdue is left, ``paid_or_down_payment`` also when the down payment of
  an installment plan is paid. A reconnection already pending is not
  issued twice.
"""

from __future__ import annotations

import logging

from sqlalchemy import select

from core.clock import today
from core.collection.debts import open_bills, open_slips
from core.domain.collection import CollectionDocument
from core.domain.service import ServiceType, WorkOrder
from core.extensions import db
from core.params import get_parameter
from core.service.commands import close_work_order, issue_work_order

log = logging.getLogger(__name__)
CUT_UPDATES = ("cut",)
INTERRUPTED = {"cut": "water_reconnection", "suppressed": "water_restoration",
               "partially_suppressed": "water_restoration"}


def has_overdue_debt(prop) -> bool:
    """Tell whether a property still has bills or slips overdue today."""
    day = today()
    return bool(open_bills(prop.id, due_before=day) or open_slips(prop.id, day))


def _pending_orders(prop, updates: tuple[str, ...]) -> list[WorkOrder]:
    return list(db.session.scalars(
        select(WorkOrder).join(ServiceType, WorkOrder.service_type_id == ServiceType.id)
        .where(WorkOrder.property_id == prop.id,
               WorkOrder.status.in_(("pending", "in_progress")),
               ServiceType.commercial_update.in_(updates))
    ))


def _suspend_documents(prop, status: str) -> None:
    from core.collection.documents import item_still_open

    documents = db.session.scalars(select(CollectionDocument).where(
        CollectionDocument.property_id == prop.id,
        CollectionDocument.debt_status == "pending",
        CollectionDocument.kind != "statement",
    ))
    for document in documents:
        if not any(item_still_open(item) for item in document.items):
            document.debt_status = status
            if document.action_status == "pending":
                document.action_status = "suspended"


def _has_pending_collection(prop) -> bool:
    """Tell whether collection is under way: a pending notice or collection OS."""
    document = db.session.scalar(select(CollectionDocument.id).where(
        CollectionDocument.property_id == prop.id,
        CollectionDocument.debt_status == "pending",
        CollectionDocument.kind != "statement").limit(1))
    if document is not None:
        return True
    return db.session.scalar(select(WorkOrder.id).where(
        WorkOrder.property_id == prop.id, WorkOrder.origin == "collection",
        WorkOrder.status.in_(("pending", "in_progress"))).limit(1)) is not None


def debts_settled(prop, cause: str) -> WorkOrder | None:
    """Handle a payment (``paid``), a plan confirmed (``installment``) or its
    down payment paid (``down_payment``)."""
    if prop.water_situation.code not in INTERRUPTED and not _has_pending_collection(
            prop):
        return None  # the usual case: nothing under collection, nothing to do
    status = "paid" if cause == "paid" else "installment"
    if cause == "paid" and has_overdue_debt(prop):
        return None
    if get_parameter("core", "cancel_collection_orders_on_payment"):
        for order in _pending_orders(prop, CUT_UPDATES):
            if order.origin == "collection":
                close_work_order(order, "suspended_by_payment",
                                 "Débito pago ou parcelado.")
    _suspend_documents(prop, status)
    return reconnect_if_allowed(prop, cause)


def reconnect_if_allowed(prop, cause: str) -> WorkOrder | None:
    """Issue the reconnection work order of a cut property, if the parameter allows."""
    mode = get_parameter("core", "reconnection_work_order")
    allowed = (mode == "paid" and cause == "paid") or (
        mode == "paid_or_down_payment" and cause in ("paid", "down_payment"))
    service = INTERRUPTED.get(prop.water_situation.code)
    if not allowed or service is None:
        return None
    if cause == "paid" and has_overdue_debt(prop):
        return None
    if _pending_orders(prop, ("reconnection",)):
        return None
    order = issue_work_order(service, property_id=prop.id, origin="collection")
    log.info("reconnection work order %s issued for property %s (%s)", order.id,
             prop.id, cause)
    return order
