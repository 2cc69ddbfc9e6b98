"""Issue and cancel payment slips (guias de pagamento) of a property or customer.

A slip's barcode identifies it by its id (payment type 1 for a property,
9 for a customer: locality, matrícula or customer code, slip id), so a
payment always finds the one slip it pays.
"""

from __future__ import annotations

import logging
from datetime import date
from decimal import Decimal

from core.calendar_service import business_calendar
from core.clock import today
from core.collection.documents import barcode_problems, barcode_settings, pix_code
from core.collection.errors import CollectionError
from core.collection.ledger import month_of
from core.domain.base import utcnow
from core.domain.cadastre import Customer, Property
from core.domain.collection import PaymentSlip
from core.domain.reference import DebitType
from core.extensions import db
from core.params import get_parameter
from core.services.barcode import (
    PaymentType,
    build_barcode,
    slip_by_id_identification,
    typed_line,
)
from core.services.money import to_money

log = logging.getLogger(__name__)


def slip_due_date(issued_on: date) -> date:
    """Return the due date of a slip issued on a day (business days later)."""
    days = get_parameter("core", "slip_due_days") or 0
    return business_calendar().add_business_days(issued_on, days)


def _check(property_id, customer_id, debit_type, amount, due_date, errors) -> tuple:
    prop = db.session.get(Property, property_id) if property_id else None
    customer = db.session.get(Customer, customer_id) if customer_id else None
    kind = None
    if property_id and prop is None:
        errors.append(f"Imóvel {property_id} inexistente.")
    if customer_id and customer is None:
        errors.append(f"Cliente {customer_id} inexistente.")
    if not property_id and not customer_id:
        errors.append("Informe o imóvel ou o cliente da guia.")
    if debit_type:
        kind = db.session.query(DebitType).filter_by(code=debit_type).one_or_none()
    if kind is None:
        errors.append(f"Tipo de débito '{debit_type or ''}' inexistente.")
    if amount is None or to_money(amount) <= 0:
        errors.append("O valor da guia deve ser maior que zero.")
    if due_date is not None and due_date < today():
        errors.append("O vencimento da guia não pode ser anterior a hoje.")
    return prop, customer, kind


def issue_slip(*, property_id: int | None = None, customer_id: int | None = None,
               debit_type: str, amount: Decimal, due_date: date | None = None,
               description: str | None = None, origin: str = "manual",
               charges_fine: bool = True, actor: str | None = None) -> PaymentSlip:
    """Issue a payment slip with its barcode (and Pix code, with a Pix key)."""
    errors: list[str] = []
    prop, customer, kind = _check(property_id, customer_id, debit_type, amount,
                                  due_date, errors)
    errors.extend(barcode_problems())
    if errors:
        raise CollectionError(errors)

    if actor:
        db.session.info["actor"] = actor
    issued_on = today()
    slip = PaymentSlip(
        property=prop, customer=customer, debit_type=kind, description=description,
        amount=to_money(amount), issued_on=issued_on,
        due_date=due_date or slip_due_date(issued_on),
        reference_month=month_of(issued_on), status="open", charges_fine=charges_fine,
        origin=origin, created_by=actor,
    )
    db.session.add(slip)
    db.session.flush()
    company, modulus = barcode_settings()
    if prop is not None:
        identification = slip_by_id_identification(prop.locality.code,
                                                    prop.registration, slip.id)
        payment_type = PaymentType.PROPERTY_SLIP_BY_ID
    else:
        identification = slip_by_id_identification(0, customer.code, slip.id)
        payment_type = PaymentType.CUSTOMER_SLIP_BY_ID
    slip.barcode = build_barcode(slip.amount, company, identification, payment_type,
                                 modulus)
    slip.typed_line = typed_line(slip.barcode)
    slip.pix_code = pix_code(slip.amount, f"GUIA{slip.id}")
    db.session.flush()
    log.info("payment slip %s issued (%s, %s)", slip.id, kind.code, slip.amount)
    return slip


def cancel_slip(slip: PaymentSlip, actor: str | None = None) -> PaymentSlip:
    """Cancel an open slip."""
    if slip.status != "open":
        raise CollectionError(f"A guia {slip.id} está {slip.status_label.lower()}; "
                              "só uma guia em aberto pode ser cancelada.")
    if actor:
        db.session.info["actor"] = actor
    slip.status, slip.cancelled_at = "cancelled", utcnow()
    db.session.flush()
    return slip
