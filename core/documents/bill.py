"""Render a bill's second copy as a one-page PDF (xhtml2pdf).

The page carries the utility, the property, the readings and the last
months of consumption, the lines by category, band, debit and credit, the
FEBRABAN barcode drawn as Interleaved 2 of 5 with its typed line and, when
the company has a Pix key, the BR Code as a QR code with its copy-and-paste
text, kept on one line so it can be copied whole.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import segno
from flask import current_app, render_template
from sqlalchemy import select

from core.domain import billing as b
from core.domain import metering as m
from core.domain.cadastre import CustomerProperty
from core.extensions import db
from core.services.barcode import format_typed_line
from core.services.billing_rules import format_reference, shift_reference
from core.services.identifiers import (
    InvalidIdentifier,
    format_cnpj,
    format_registration,
)
from core.services.money import format_number
from core.toolkits.pdf import html_to_pdf

HISTORY_MONTHS = 6
TEXT_WIDTH_PT = 526  # 186 mm of A4 between the margins
COURIER_ADVANCE = 0.6  # Courier's glyph width, in ems
MAX_PIX_SIZE = 7.0
CONSUMPTION_LABELS = {
    "real": "Medido",
    "estimated": "Estimado",
    "average": "Média",
    "minimum": "Mínimo",
    "informed": "Informado",
    "no_consumption": "Sem consumo",
}
STATUS_LABELS = {
    "normal": "normal",
    "rectified": "retificada",
    "cancelled": "cancelada",
    "cancelled_by_rectification": "substituída por retificação",
}


def _day(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else "—"


def pix_font_size(text: str) -> float:
    """Return the Courier size that keeps ``text`` on one line of the page."""
    if not text:
        return MAX_PIX_SIZE
    fitting = TEXT_WIDTH_PT / (COURIER_ADVANCE * len(text))
    return round(min(MAX_PIX_SIZE, fitting) - 0.05, 1)


def _history(bill: b.Bill) -> list[dict]:
    """Return the water consumption of the last months up to the bill's."""
    first = shift_reference(bill.reference_month, -(HISTORY_MONTHS - 1))
    rows = db.session.execute(
        select(m.ConsumptionHistory.reference_month, m.ConsumptionHistory.billed_m3)
        .where(
            m.ConsumptionHistory.property_id == bill.property_id,
            m.ConsumptionHistory.connection_type == "water",
            m.ConsumptionHistory.reference_month.between(first, bill.reference_month),
        )
        .order_by(m.ConsumptionHistory.reference_month)
    ).all()
    return [{"month": format_reference(month), "m3": m3} for month, m3 in rows]


def _customer(bill: b.Bill) -> str | None:
    """Return the name printed on the bill: the one marked, else the user."""
    links = db.session.scalars(
        select(CustomerProperty).where(
            CustomerProperty.property_id == bill.property_id,
            CustomerProperty.end_date.is_(None),
        )
    ).all()
    chosen = next((c for c in links if c.name_on_bill), None)
    chosen = chosen or next((c for c in links if c.relation == "user"), None)
    return chosen.customer.name if chosen else None


def _cnpj(value: str) -> str:
    try:
        return format_cnpj(value)
    except InvalidIdentifier:  # a profile still being filled in
        return value


def _money(value: Decimal) -> str:
    return format_number(value)


INDENT = "\u00a0" * 5  # xhtml2pdf ignores a cell's padding-left


def _lines(bill: b.Bill) -> list[dict]:
    """Return the printed lines: water and sewer per category, bands, debits.

    Only the payable lines fill the Valor column, so it adds up to the total;
    the minimum and the bands that make up a category's water show their
    part in the description.
    """
    lines = []
    for category in bill.categories:
        name = (category.subcategory or category.category).label
        lines.append(
            {
                "label": f"Água — {name} ({category.economies} econ.)",
                "volume": f"{format_number(category.water_m3)} m³",
                "price": "",
                "amount": _money(category.water_value),
            }
        )
        if category.minimum_m3:
            lines.append(
                {
                    "label": f"{INDENT}mínimo até {category.minimum_m3}"
                    f" m³: R$ {_money(category.minimum_value)}",
                    "detail": True,
                    "volume": "",
                    "price": "",
                    "amount": "",
                }
            )
        for band in (
            x for x in bill.bands if x.subcategory_id == category.subcategory_id
        ):
            top = f"{band.end_m3}" if band.end_m3 is not None else "…"
            lines.append(
                {
                    "label": f"{INDENT}faixa {band.start_m3}–{top} m³: "
                    f"R$ {_money(band.water_value)}",
                    "detail": True,
                    "volume": f"{format_number(band.volume_m3)} m³",
                    "price": format_number(band.price_per_m3, 4),
                    "amount": "",
                }
            )
        if category.sewer_value:
            lines.append(
                {
                    "label": f"Esgoto — {name} ({format_number(bill.sewer_percent)} % "
                    "da água)",
                    "volume": f"{format_number(category.sewer_m3)} m³",
                    "price": "",
                    "amount": _money(category.sewer_value),
                }
            )
    for debit in bill.debits:
        lines.append(
            {
                "label": f"{debit.debit_type.label} — parcela "
                f"{debit.installment_number}/{debit.installments}",
                "volume": "",
                "price": "",
                "amount": _money(debit.amount),
            }
        )
    for credit in bill.credits:
        lines.append(
            {
                "label": f"Crédito — {credit.credit_type.label}",
                "volume": "",
                "price": "",
                "amount": "-" + _money(credit.amount),
            }
        )
    return lines


def _address(bill: b.Bill) -> str:
    prop = bill.property
    parts = [prop.street, prop.number, prop.complement, prop.district]
    return ", ".join(part for part in parts if part)


def _qr(payload: str | None) -> str | None:
    if not payload:
        return None
    return segno.make(payload, error="m", micro=False).png_data_uri(scale=4, border=4)


def bill_context(bill: b.Bill) -> dict:
    """Return what the bill template shows."""
    history = _history(bill)
    return {
        "bill": bill,
        "utility": current_app.extensions["sanea.profile"],
        "registration": format_registration(bill.property.registration),
        "cnpj": _cnpj(current_app.extensions["sanea.profile"].cnpj),
        "customer": _customer(bill),
        "address": _address(bill),
        "economies": sum(c.economies for c in bill.categories),
        "due_date": _day(bill.due_date),
        "issued_on": _day(bill.issued_on),
        "previous_reading": "—"
        if bill.previous_reading is None
        else bill.previous_reading,
        "current_reading": "—"
        if bill.current_reading is None
        else bill.current_reading,
        "consumption_label": CONSUMPTION_LABELS.get(bill.consumption_type or "", "—"),
        "period": f"{_day(bill.period_start)} a {_day(bill.period_end)}",
        "history": history,
        "history_width": int(100 / max(len(history), 1)),
        "lines": _lines(bill),
        "total": format_number(bill.total),
        "typed_line": format_typed_line(bill.typed_line),
        "status_label": STATUS_LABELS.get(bill.status, bill.status),
        "pix_qr": _qr(bill.pix_code),
        "pix_font_size": pix_font_size(bill.pix_code or ""),
    }


def render_bill_html(bill: b.Bill) -> str:
    """Render the bill page as XHTML for the PDF engine."""
    return render_template("documents/bill.html", **bill_context(bill))


def render_bill_pdf(bill_id: int) -> bytes:
    """Return the second copy of bill ``bill_id`` as PDF bytes."""
    bill = db.session.get(b.Bill, bill_id)
    if bill is None:
        raise LookupError(f"Conta {bill_id} não existe.")
    return html_to_pdf(render_bill_html(bill))
