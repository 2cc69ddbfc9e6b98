"""Register a payment by hand and classify payments by hand.

A cashier's payment (a barcode typed at a counter) goes through the same
path as a return file's: :func:`register_payment` creates it and classifies
it. A person decides what the automatic classification left open:

- :func:`refund`: the amount is to be returned to the payer;
- :func:`convert_to_credit`: the amount becomes a pending credit of the
  property (a duplicate paid for the next bill);
- :func:`apply_to`: the payment pays another document (a payment whose
  document was not found, or was paid on the wrong barcode).

A manual classification is final: reprocessing never touches it.
"""

from __future__ import annotations

import logging
from datetime import date
from decimal import Decimal

from flask import current_app

from core.clock import today
from core.collection.ledger import add_pending_credit
from core.domain.base import utcnow
from core.domain.billing import Bill
from core.domain.collection import CollectionDocument, PaymentSlip
from core.domain.payments import Collector, Payment
from core.extensions import db
from core.payments.classify import classify_one
from core.payments.errors import PaymentError
from core.payments.imports import new_payment
from core.services.barcode import InvalidBarcode, parse_barcode
from core.services.money import to_money

log = logging.getLogger(__name__)
OPEN_FOR_DECISION = ("duplicate", "unknown_document", "not_payable", "underpaid")


def register_payment(barcode: str, amount: Decimal, paid_on: date | None = None, *,
                     collector_id: int | None = None, actor: str | None = None
                     ) -> Payment:
    """Register and classify a payment received outside a return file."""
    errors: list[str] = []
    code = None
    try:
        code = parse_barcode(barcode or "")
    except InvalidBarcode as exc:
        errors.append(exc.message)
    company = current_app.extensions["sanea.profile"].febraban_code
    if code is not None and company and code.company_code != company.zfill(4):
        errors.append(f"Código de barras de outra empresa ({code.company_code}).")
    paid_on = paid_on or today()
    if paid_on > today():
        errors.append("A data do pagamento não pode ser futura.")
    if amount is None or to_money(amount) <= 0:
        errors.append("O valor pago deve ser maior que zero.")
    collector = db.session.get(Collector, collector_id) if collector_id else None
    if collector_id and collector is None:
        errors.append(f"Arrecadador {collector_id} inexistente.")
    if errors:
        raise PaymentError(errors)
    if actor:
        db.session.info["actor"] = actor
    payment = new_payment(code.barcode, to_money(amount), paid_on,
                          collector=collector, channel="0")
    classify_one(payment)
    return payment


def _decide(payment: Payment, status: str, note: str, actor: str | None) -> None:
    payment.previous_status, payment.status = payment.status, status
    payment.manual, payment.note = True, (note or "").strip() or payment.note
    payment.classified_at, payment.classified_by = utcnow(), actor
    if actor:
        db.session.info["actor"] = actor
    db.session.flush()
    log.info("payment %s classified by hand as %s", payment.id, status)


def _open_for_decision(payment: Payment | None) -> list[str]:
    if payment is None:
        return ["Pagamento inexistente."]
    if payment.manual:
        return [f"O {payment} já foi classificado manualmente "
                f"({payment.status_label.lower()})."]
    if payment.status not in OPEN_FOR_DECISION:
        return [f"O {payment} está {payment.status_label.lower()}; não há o que "
                "decidir."]
    return []


def refund(payment: Payment, note: str = "", actor: str | None = None) -> Payment:
    """Mark what a payment left unapplied as to be refunded to the payer."""
    errors = _open_for_decision(payment)
    if errors:
        raise PaymentError(errors)
    _decide(payment, "refunded", note or "Valor a devolver ao pagador.", actor)
    return payment


def convert_to_credit(payment: Payment, note: str = "", actor: str | None = None
                      ) -> Payment:
    """Turn what a payment left unapplied into a credit on the next bills."""
    errors = _open_for_decision(payment)
    if not errors and payment.property is None:
        errors.append(f"O {payment} não tem imóvel para receber o crédito.")
    if not errors and payment.excess <= 0:
        errors.append(f"O {payment} não tem valor excedente.")
    if errors:
        raise PaymentError(errors)
    add_pending_credit(payment.property, "duplicate_payment", payment.excess,
                       description=f"Pagamento {payment.id} em duplicidade",
                       origin="payment", origin_id=payment.id)
    _decide(payment, "credited", note or "Convertido em crédito.", actor)
    return payment


def apply_to(payment: Payment, *, bill_id: int | None = None,
             slip_id: int | None = None, document_id: int | None = None,
             note: str = "", actor: str | None = None) -> Payment:
    """Make a payment pay another document, and classify it against that one."""
    errors = _open_for_decision(payment)
    if not errors and payment.status == "underpaid":
        errors.append("Um pagamento parcial já foi aplicado; não pode ser movido.")
    chosen = [x for x in (bill_id, slip_id, document_id) if x]
    if len(chosen) != 1:
        errors.append("Informe um (e só um) documento: conta, guia ou documento de "
                      "cobrança.")
    target = None
    if len(chosen) == 1:
        model = Bill if bill_id else PaymentSlip if slip_id else CollectionDocument
        target = db.session.get(model, chosen[0])
        if target is None:
            errors.append(f"Documento {chosen[0]} inexistente.")
    if errors:
        raise PaymentError(errors)

    payment.bill = target if bill_id else None
    payment.payment_slip = target if slip_id else None
    payment.collection_document = target if document_id else None
    payment.document_kind = "bill" if bill_id else "slip" if slip_id else "document"
    payment.property = getattr(target, "property", None)
    payment.status = "pending"
    classify_one(payment)
    payment.manual, payment.classified_by = True, actor
    payment.note = (note or "").strip() or f"Aplicado ao documento {chosen[0]}."
    if actor:
        db.session.info["actor"] = actor
    db.session.flush()
    return payment
