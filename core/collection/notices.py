"""E-mail collection documents and payment slips to the property's customer."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from core.collection.errors import CollectionError
from core.documents.statement import (
    document_context,
    render_document_pdf,
    render_slip_pdf,
    slip_context,
)
from core.domain.cadastre import CustomerProperty
from core.domain.collection import CollectionDocument, PaymentSlip
from core.extensions import db
from core.notify import Attachment, Delivery, EmailError, send_email

TEMPLATES = {"statement": "debt_statement", "cut_notice": "cut_notice",
             "cut_order": "cut_notice", "letter": "cut_notice"}


def customer_email(property_id: int | None) -> str | None:
    """Return the e-mail of the property's current user (or first customer)."""
    if property_id is None:
        return None
    links = db.session.scalars(select(CustomerProperty).where(
        CustomerProperty.property_id == property_id,
        CustomerProperty.end_date.is_(None))).all()
    links.sort(key=lambda link: link.relation != "user")
    return next((link.customer.email for link in links if link.customer.email), None)


def _send(to: str | None, template: str, context: dict, name: str,
          pdf: bytes) -> Delivery:
    if not to:
        raise CollectionError("O cliente não tem e-mail cadastrado; informe um.")
    context = {**context, "utility": current_app.extensions["sanea.profile"]}
    try:
        return send_email(to, template, context, [Attachment(name, pdf)])
    except EmailError as exc:
        raise CollectionError(str(exc)) from exc


def email_document(document_id: int, to: str | None = None) -> Delivery:
    """Send a collection document (statement, notice) as a PDF attachment."""
    document = db.session.get(CollectionDocument, document_id)
    if document is None:
        raise CollectionError(f"Documento de cobrança {document_id} inexistente.")
    return _send(to or customer_email(document.property_id),
                 TEMPLATES[document.kind], document_context(document),
                 f"{document.kind}-{document.sequence}.pdf",
                 render_document_pdf(document.id))


def email_slip(slip_id: int, to: str | None = None) -> Delivery:
    """Send a payment slip as a PDF attachment."""
    slip = db.session.get(PaymentSlip, slip_id)
    if slip is None:
        raise CollectionError(f"Guia de pagamento {slip_id} inexistente.")
    address = to or (slip.customer.email if slip.customer else None) or \
        customer_email(slip.property_id)
    return _send(address, "payment_slip", slip_context(slip), f"guia-{slip.id}.pdf",
                 render_slip_pdf(slip.id))
