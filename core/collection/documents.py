"""Issue collection documents (debt statements, cut notices, cut orders).

A document lists debts with their late charges to a day and can be paid by
its barcode (payment type 5: locality, matrícula, sequence, document type).
A debt statement may deduct the property's pending credits: the credits it
lists are taken out of the next bills' reach while the statement is valid
(status ``finished``, the previous one kept on the item), consumed for good
when it is paid and given back when it expires or is cancelled. So a credit
is used once, by the statement or by a bill, never both.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta
from decimal import Decimal

from flask import current_app
from sqlalchemy import select

from core.calendar_service import business_calendar
from core.clock import today
from core.collection.debts import Debt, property_debts, total_of
from core.collection.errors import CollectionError
from core.company import MissingCompanyParameter
from core.domain.cadastre import Property
from core.domain.collection import (
    BillSettlement,
    CollectionDocument,
    CollectionDocumentItem,
)
from core.extensions import db
from core.params import get_parameter
from core.services.barcode import (
    PaymentType,
    build_barcode,
    collection_document_identification,
    typed_line,
)
from core.services.money import ZERO, to_money
from core.services.pix import build_brcode

log = logging.getLogger(__name__)
STATEMENT_TYPE_NUMBER = 14  # GSAN documento_tipo EXTRATO_DE_DEBITO


def barcode_settings() -> tuple[str, int]:
    """Return the company's FEBRABAN code and barcode modulus (refusing blanks)."""
    profile = current_app.extensions["sanea.profile"]
    try:
        return profile.require("febraban_code"), profile.barcode_modulus or 10
    except MissingCompanyParameter as exc:
        raise CollectionError(str(exc)) from exc


def barcode_problems() -> list[str]:
    """Return why documents cannot get a barcode (an empty list when they can)."""
    try:
        barcode_settings()
    except CollectionError as exc:
        return exc.errors
    return []


def pix_code(amount: Decimal, txid: str) -> str | None:
    """Return a static Pix BR Code for ``amount``, or None without a Pix key."""
    profile = current_app.extensions["sanea.profile"]
    if not profile.pix_key:
        return None
    return build_brcode(profile.pix_key, amount, profile.pix_merchant_name
                        or profile.short_name, profile.pix_merchant_city or "BRASIL",
                        txid=txid)


def _item(line: Debt) -> CollectionDocumentItem:
    charges = line.charges
    item = CollectionDocumentItem(
        kind=line.kind, description=line.description[:120],
        reference_month=line.reference_month, due_date=line.due_date,
        amount=line.amount, fine=charges.fine, interest=charges.interest,
        monetary_update=charges.monetary_update,
    )
    setattr(item, {"bill": "bill", "slip": "payment_slip", "debit": "pending_debit",
                   "credit": "pending_credit"}[line.kind], line.row)
    if line.kind == "credit":
        item.previous_status = line.row.status
        line.row.status = "finished"  # out of the next bills' reach
    return item


def _finish(document: CollectionDocument, prop: Property) -> None:
    """Number the document and compute its totals, barcode and Pix code."""
    db.session.add(document)
    db.session.flush()
    document.sequence = document.id
    items = document.items
    document.amount = sum((i.amount for i in items if i.kind != "credit"), ZERO)
    document.charges = sum((i.charges for i in items if i.kind != "credit"), ZERO)
    document.credits = sum((i.amount for i in items if i.kind == "credit"), ZERO)
    document.total = to_money(document.amount + document.charges - document.credits)
    company, modulus = barcode_settings()
    identification = collection_document_identification(
        prop.locality.code, prop.registration, document.sequence,
        document.document_type_number,
    )
    document.barcode = build_barcode(document.total, company, identification,
                                     PaymentType.COLLECTION_DOCUMENT, modulus)
    document.typed_line = typed_line(document.barcode)
    document.pix_code = pix_code(document.total, f"DOC{document.sequence}")
    db.session.flush()


def statement_due_date(issued_on: date) -> date:
    """Return the due date of a statement issued on a day."""
    days = get_parameter("core", "statement_validity_days") or 0
    return business_calendar().add_calendar_days_rolled(issued_on, days)


def issue_statement(property_id: int, *, payment_date: date | None = None,
                    bill_ids: list[int] | None = None, include_slips: bool = True,
                    include_debits: bool = True, include_credits: bool = True,
                    actor: str | None = None) -> CollectionDocument:
    """Issue a property's debt statement with late charges to its payment date.

    ``payment_date`` defaults to the statement's due date (today plus the
    validity days, rolled to a business day); ``bill_ids`` limits the bills.
    """
    prop = db.session.get(Property, property_id) if property_id else None
    issued_on = today()
    due = payment_date or statement_due_date(issued_on)
    errors = []
    if prop is None:
        errors.append(f"Imóvel {property_id} inexistente.")
    if due < issued_on:
        errors.append("A data de pagamento não pode ser anterior a hoje.")
    lines = [] if errors else property_debts(
        prop, due, slips=include_slips, debits=include_debits,
        credits=include_credits)
    if bill_ids is not None:
        lines = [x for x in lines if x.kind != "bill" or x.row.id in set(bill_ids)]
    if not errors and not any(x.kind != "credit" for x in lines):
        errors.append("O imóvel não tem débitos em aberto.")
    if not errors and total_of(lines) <= 0:
        errors.append("Os créditos cobrem os débitos: não há valor a pagar.")
    errors.extend(barcode_problems())
    if errors:
        raise CollectionError(errors)

    if actor:
        db.session.info["actor"] = actor
    document = CollectionDocument(
        kind="statement", document_type_number=STATEMENT_TYPE_NUMBER, property=prop,
        issued_on=issued_on, due_date=due, valid_until=due, charges_until=due,
        action_status="pending", debt_status="pending", created_by=actor,
        items=[_item(line) for line in lines],
    )
    _finish(document, prop)
    log.info("statement %s issued for property %s: %s", document.id, prop.id,
             document.total)
    return document


def issue_action_document(prop: Property, action, lines: list[Debt], *,
                          command=None, issued_on: date | None = None,
                          actor: str | None = None) -> CollectionDocument:
    """Issue the document of a collection action for the debts selected."""
    issued_on = issued_on or today()
    calendar = business_calendar()
    document = CollectionDocument(
        kind=action.document_kind, document_type_number=action.document_type_number,
        property=prop, action=action, command=command, issued_on=issued_on,
        due_date=calendar.add_calendar_days_rolled(issued_on, action.due_days),
        valid_until=issued_on + timedelta(days=action.validity_days),
        charges_until=issued_on, action_status="pending", debt_status="pending",
        created_by=actor,
        items=[_item(line) for line in lines if line.kind != "credit"],
    )
    _finish(document, prop)
    return document


def release_document(document: CollectionDocument, status: str) -> None:
    """Close a document unpaid: give its credits back to the next bills."""
    for item in document.items:
        if item.kind == "credit" and item.debt_status == "pending":
            item.pending_credit.status = item.previous_status or "pending"
            item.debt_status = "cancelled"
    document.debt_status = "cancelled"
    if document.action_status == "pending":
        document.action_status = status


def cancel_document(document: CollectionDocument, actor: str | None = None) -> None:
    """Cancel a document that was not paid."""
    if document.debt_status != "pending":
        raise CollectionError(f"O documento {document.sequence} está "
                              f"{document.debt_status_label.lower()}; não pode ser "
                              "cancelado.")
    if actor:
        db.session.info["actor"] = actor
    release_document(document, "cancelled")
    db.session.flush()


def expire_documents(until: date | None = None) -> int:
    """Release the unpaid statements whose validity ended before ``until``."""
    until = until or today()
    documents = db.session.scalars(
        select(CollectionDocument).where(
            CollectionDocument.debt_status == "pending",
            CollectionDocument.kind == "statement",
            CollectionDocument.valid_until < until,
        )
    ).all()
    for document in documents:
        release_document(document, "expired")
    db.session.flush()
    return len(documents)


def settle_item(item, paid_on: date, document=None, plan=None) -> None:
    """Mark the debt behind a document (or plan) item as paid or parcelled."""
    status = "installment" if plan is not None else "paid"
    if item.kind == "bill":
        db.session.add(BillSettlement(
            bill=item.bill, status=status, paid_on=paid_on if plan is None else None,
            installment_plan_id=plan.id if plan is not None else None,
            collection_document_id=document.id if document is not None else None,
        ))
    elif item.kind == "slip":
        item.payment_slip.status = status
        item.payment_slip.paid_on = paid_on if plan is None else None
    elif item.kind == "debit":
        item.previous_status = item.previous_status or item.pending_debit.status
        item.pending_debit.status = "finished" if plan is None else "cancelled"
    elif item.kind == "credit":
        item.previous_status = item.previous_status or item.pending_credit.status
        item.pending_credit.status = "finished"


def item_still_open(item) -> bool:
    """Tell whether the debt behind a document item is still owed."""
    from core.collection.debts import bill_balance

    if item.kind == "bill":
        return bill_balance(item.bill) > 0
    if item.kind == "slip":
        return item.payment_slip.status == "open"
    if item.kind == "debit":
        return item.pending_debit.status == "pending"
    return item.pending_credit.status == "finished"  # reserved by this document


def work_order_closed(order) -> None:
    """Record on its collection document how a work order ended."""
    documents = db.session.scalars(
        select(CollectionDocument).where(CollectionDocument.work_order_id == order.id)
    ).all()
    for document in documents:
        if document.action_status == "pending":
            document.action_status = "executed" if order.executed else "cancelled"
