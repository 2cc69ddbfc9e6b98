"""Find the document a paid barcode pays, by its payment type (44th digit).

- 3 bill: matrícula and reference month → the current version of the bill;
- 1 / 9 slip by id (property / customer): the slip id;
- 4 property slip: matrícula, debit type (its GSAN number) and year → the one
  open slip that matches;
- 5 / 8 collection document (property / customer): its sequence.

Anything else, or a document that does not exist, is ``unknown``: the
payment is kept and classified as "documento inexistente".
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import extract, select

from core.domain.billing import Bill
from core.domain.cadastre import Customer, Property
from core.domain.collection import CollectionDocument, PaymentSlip
from core.domain.reference import DebitType
from core.extensions import db
from core.services.barcode import Barcode, PaymentType


@dataclass(frozen=True)
class Target:
    """What a barcode pays, as far as it could be found."""

    payment_type: int
    kind: str = "unknown"
    bill: Bill | None = None
    slip: PaymentSlip | None = None
    document: CollectionDocument | None = None
    property: Property | None = None
    customer: Customer | None = None
    reference_month: int | None = None


def _property(registration: int) -> Property | None:
    return db.session.scalar(select(Property).where(
        Property.registration == registration))


def _bill(code: Barcode) -> Target:
    ident = code.bill
    prop = _property(ident.registration)
    month = ident.year * 100 + ident.month
    if prop is None:
        return Target(code.payment_type, reference_month=month)
    bill = db.session.scalar(
        select(Bill).where(Bill.property_id == prop.id, Bill.reference_month == month)
        .order_by(Bill.version.desc()).limit(1)
    )
    kind = "bill" if bill is not None else "unknown"
    return Target(code.payment_type, kind, bill=bill, property=prop,
                  reference_month=month)


def _slip_by_id(code: Barcode) -> Target:
    slip = db.session.get(PaymentSlip, int(code.identification[12:21]))
    if slip is None:
        return Target(code.payment_type)
    return Target(code.payment_type, "slip", slip=slip, property=slip.property,
                  customer=slip.customer, reference_month=slip.reference_month)


def _property_slip(code: Barcode) -> Target:
    ident = code.identification
    prop = _property(int(ident[3:12]))
    kind = db.session.scalar(select(DebitType).where(
        DebitType.gsan_id == int(ident[14:17])))
    if prop is None or kind is None:
        return Target(code.payment_type, property=prop)
    slips = db.session.scalars(select(PaymentSlip).where(
        PaymentSlip.property_id == prop.id, PaymentSlip.debit_type_id == kind.id,
        PaymentSlip.status == "open",
        extract("year", PaymentSlip.issued_on) == int(ident[17:21]))).all()
    if len(slips) != 1:
        return Target(code.payment_type, property=prop)
    return Target(code.payment_type, "slip", slip=slips[0], property=prop,
                  reference_month=slips[0].reference_month)


def _document(code: Barcode, start: int) -> Target:
    sequence = int(code.identification[start:start + 9])
    document = db.session.scalar(select(CollectionDocument).where(
        CollectionDocument.sequence == sequence))
    if document is None:
        return Target(code.payment_type)
    return Target(code.payment_type, "document", document=document,
                  property=document.property, customer=document.customer)


def resolve_target(code: Barcode) -> Target:
    """Return what a checked barcode pays."""
    kind = code.payment_type
    if kind == PaymentType.BILL:
        return _bill(code)
    if kind in (PaymentType.PROPERTY_SLIP_BY_ID, PaymentType.CUSTOMER_SLIP_BY_ID):
        return _slip_by_id(code)
    if kind == PaymentType.PROPERTY_SLIP:
        return _property_slip(code)
    if kind == PaymentType.COLLECTION_DOCUMENT:
        return _document(code, 12)
    if kind == PaymentType.CUSTOMER_COLLECTION_DOCUMENT:
        return _document(code, 11)
    return Target(kind)
