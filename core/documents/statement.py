"""Render a debt statement, a collection document or a payment slip as PDF.

One A4 page through xhtml2pdf (``core.toolkits.pdf``): the utility, the
property (or customer), the items with their late charges and the credits
deducted, the total, the typed line, the FEBRABAN barcode drawn as
Interleaved 2 of 5 and, when the company has a Pix key, the BR Code as a QR
code with its copy-and-paste text on one line.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import segno
from flask import current_app, render_template
from sqlalchemy import select

from core.domain.cadastre import CustomerProperty
from core.domain.collection import CollectionDocument, PaymentSlip
from core.extensions import db
from core.services.barcode import format_typed_line
from core.services.identifiers import InvalidIdentifier, format_cnpj
from core.services.money import format_number
from core.toolkits.pdf import html_to_pdf

TEXT_WIDTH_PT = 526  # 186 mm of A4 between the margins
COURIER_ADVANCE = 0.6  # Courier's glyph width, in ems
MAX_PIX_SIZE = 7.0


def _day(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else "—"


def _month(value: int | None) -> str:
    return f"{value % 100:02d}/{value // 100}" if value else "—"


def _money(value: Decimal) -> str:
    return format_number(value)


def _pix_font_size(text: str) -> float:
    """Return the Courier size that keeps ``text`` on one line of the page."""
    if not text:
        return MAX_PIX_SIZE
    return round(
        min(MAX_PIX_SIZE, TEXT_WIDTH_PT / (COURIER_ADVANCE * len(text))) - 0.05, 1
    )


def _qr(payload: str | None) -> str | None:
    if not payload:
        return None
    return segno.make(payload, error="m", micro=False).png_data_uri(scale=4, border=4)


def _holder(property_id: int | None) -> str | None:
    """Return the customer named on the property's documents (the user)."""
    if property_id is None:
        return None
    links = db.session.scalars(
        select(CustomerProperty).where(
            CustomerProperty.property_id == property_id,
            CustomerProperty.end_date.is_(None),
        )
    ).all()
    chosen = next((c for c in links if c.name_on_bill), None)
    chosen = chosen or next((c for c in links if c.relation == "user"), None)
    return chosen.customer.name if chosen else None


def _common(
    prop, customer, number, issued_on, due_date, total, barcode, typed_line, pix
) -> dict:
    profile = current_app.extensions["sanea.profile"]
    try:
        cnpj = format_cnpj(profile.cnpj)
    except InvalidIdentifier:  # a profile still being filled in
        cnpj = profile.cnpj
    address = ""
    if prop is not None:
        address = ", ".join(
            p for p in (prop.street, prop.number, prop.complement, prop.district) if p
        )
    return {
        "utility": profile,
        "cnpj": cnpj,
        "number": number,
        "registration": prop.registration_display if prop else None,
        "inscription": prop.inscription if prop else None,
        "customer_code": customer.code if customer else None,
        "customer": (customer.name if customer else None)
        or _holder(prop.id if prop else None),
        "address": address,
        "issued_on": _day(issued_on),
        "due_date": _day(due_date),
        "total": _money(total),
        "barcode": barcode,
        "typed_line": format_typed_line(typed_line),
        "pix_code": pix,
        "pix_qr": _qr(pix),
        "pix_font_size": _pix_font_size(pix or ""),
    }


def _item(item) -> dict:
    sign = "-" if item.kind == "credit" else ""
    return {
        "description": item.description,
        "reference": _month(item.reference_month),
        "due_date": _day(item.due_date),
        "amount": sign + _money(item.amount),
        "fine": _money(item.fine),
        "interest": _money(item.interest),
        "monetary_update": _money(item.monetary_update),
        "total": _money(item.total),
    }


def document_context(document: CollectionDocument) -> dict:
    """Return what the statement template shows for a collection document."""
    context = _common(
        document.property,
        document.customer,
        document.sequence,
        document.issued_on,
        document.due_date,
        document.total,
        document.barcode,
        document.typed_line,
        document.pix_code,
    )
    context.update(
        title=document.kind_label,
        charges_until=_day(document.charges_until),
        items=[_item(item) for item in document.items],
        amount=_money(document.amount),
        charges=_money(document.charges),
        credits=_money(document.credits),
    )
    return context


def slip_context(slip: PaymentSlip) -> dict:
    """Return what the payment-slip template shows."""
    context = _common(
        slip.property,
        slip.customer,
        slip.id,
        slip.issued_on,
        slip.due_date,
        slip.amount,
        slip.barcode,
        slip.typed_line,
        slip.pix_code,
    )
    context.update(
        title="Guia de pagamento", description=slip.description or slip.debit_type.label
    )
    return context


def render_document_pdf(document_id: int) -> bytes:
    """Return collection document ``document_id`` (a statement...) as PDF bytes."""
    document = db.session.get(CollectionDocument, document_id)
    if document is None:
        raise LookupError(f"Documento de cobrança {document_id} não existe.")
    html = render_template("documents/statement.html", **document_context(document))
    return html_to_pdf(html)


def render_slip_pdf(slip_id: int) -> bytes:
    """Return payment slip ``slip_id`` as PDF bytes."""
    slip = db.session.get(PaymentSlip, slip_id)
    if slip is None:
        raise LookupError(f"Guia de pagamento {slip_id} não existe.")
    return html_to_pdf(
        render_template("documents/payment_slip.html", **slip_context(slip))
    )
