"""Import a collector's CNAB 150 return file and register the payments in it.

The whole file is checked before anything is written: its layout
(``core.payments.cnab150``), its collector and agreement, and its NSA
against the contract's counter. A file already imported (same SHA-256) is
answered with the earlier import and changes nothing. Each G line becomes a
payment unless its barcode fails its check digits or belongs to another
company; such a line is kept, rejected, with the reason. The payments are
then classified (``core.payments.classify``).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask import current_app
from sqlalchemy import select

from core.collection.ledger import month_of
from core.domain.payments import (
    Collector,
    CollectorContract,
    Payment,
    ReturnFile,
    ReturnFileLine,
)
from core.extensions import db
from core.payments.cnab150 import CnabError, parse_return_file
from core.payments.errors import PaymentError
from core.payments.targets import resolve_target
from core.services.barcode import InvalidBarcode, parse_barcode

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ImportResult:
    """What an import did: the file row, and whether it was new."""

    file: ReturnFile
    created: bool
    payments: int
    rejected: int
    classified: dict

    @property
    def message(self) -> str:
        if not self.created:
            return (f"Arquivo já importado em {self.file.created_at:%d/%m/%Y %H:%M} "
                    f"(NSA {self.file.nsa}); nada foi alterado.")
        return (f"Arquivo NSA {self.file.nsa} importado: {self.payments} pagamento(s), "
                f"{self.rejected} linha(s) rejeitada(s).")


def _contract(header) -> CollectorContract:
    collector = db.session.scalar(select(Collector).where(
        Collector.bank_code == header.bank_code))
    if collector is None or not collector.active:
        raise PaymentError(f"Linha 1: arrecadador {header.bank_code} não cadastrado "
                           "ou inativo.")
    contract = db.session.scalar(select(CollectorContract).where(
        CollectorContract.collector_id == collector.id,
        CollectorContract.agreement == header.agreement))
    if contract is None or not contract.active:
        raise PaymentError(f"Linha 1: convênio {header.agreement!r} do arrecadador "
                           f"{header.bank_code} não cadastrado ou inativo.")
    return contract


def _check_nsa(contract: CollectorContract, nsa: int) -> None:
    if nsa != contract.last_nsa + 1:
        raise PaymentError(
            f"Linha 1: NSA {nsa} fora de sequência; o último processado do convênio "
            f"{contract.agreement} foi {contract.last_nsa} (esperado "
            f"{contract.last_nsa + 1})."
        )


def import_return_file(content: bytes, file_name: str | None = None,
                       actor: str | None = None) -> ImportResult:
    """Import a return file; refuse it whole, with the line, when it is malformed."""
    digest = hashlib.sha256(content).hexdigest()
    earlier = db.session.scalar(select(ReturnFile).where(ReturnFile.sha256 == digest))
    if earlier is not None:
        return ImportResult(earlier, False, earlier.payments_count,
                            earlier.rejected_count, {})
    try:
        parsed = parse_return_file(content)
    except CnabError as exc:
        raise PaymentError(str(exc)) from exc
    contract = _contract(parsed.header)
    _check_nsa(contract, parsed.header.nsa)

    if actor:
        db.session.info["actor"] = actor
    header = parsed.header
    record = ReturnFile(
        collector=contract.collector, contract=contract, nsa=header.nsa,
        generated_on=header.generated_on, layout_version=header.layout_version,
        service=header.service[:20], file_name=(file_name or "")[:200] or None,
        sha256=digest, record_count=parsed.trailer.record_count,
        total=parsed.trailer.total, imported_by=actor,
    )
    db.session.add(record)
    lines = {}
    for number, raw in enumerate(parsed.lines, start=1):
        lines[number] = ReturnFileLine(file=record, line_number=number,
                                       record_code=raw[0], raw=raw)
        db.session.add(lines[number])
    db.session.flush()
    with db.session.no_autoflush:  # one flush for all the payments
        payments = [_payment(detail, lines[detail.line_number], contract.collector)
                    for detail in parsed.details]
    payments = [p for p in payments if p is not None]
    record.payments_count = len(payments)
    record.rejected_count = len(parsed.details) - len(payments)
    contract.last_nsa = header.nsa
    db.session.flush()

    from core.payments.classify import classify_payments

    counts = classify_payments([p.id for p in payments])
    log.info("return file %s (NSA %s) imported: %s payments, %s rejected", record.id,
             header.nsa, record.payments_count, record.rejected_count)
    return ImportResult(record, True, record.payments_count, record.rejected_count,
                        counts)


def _reject(line: ReturnFileLine, reason: str) -> None:
    line.accepted, line.occurrence = False, reason[:200]


def _payment(detail, line: ReturnFileLine, collector: Collector) -> Payment | None:
    try:
        barcode = parse_barcode(detail.barcode)
    except InvalidBarcode as exc:
        _reject(line, f"Código de barras inválido: {exc.message}")
        return None
    company = current_app.extensions["sanea.profile"].febraban_code
    if company and barcode.company_code != company.zfill(4):
        _reject(line, f"Código de barras de outra empresa ({barcode.company_code}).")
        return None
    payment = new_payment(barcode.barcode, detail.amount, detail.paid_on,
                          credited_on=detail.credited_on, collector=collector,
                          channel=detail.channel, flush=False)
    payment.return_line = line
    if payment.document_kind == "unknown":
        line.occurrence = "Documento inexistente."
    return payment


def new_payment(barcode: str, amount: Decimal, paid_on: date, *,
                credited_on: date | None = None, collector: Collector | None = None,
                channel: str | None = None, flush: bool = True) -> Payment:
    """Add a payment of a (checked) barcode, pointing at what it pays."""
    target = resolve_target(parse_barcode(barcode))
    payment = Payment(
        amount=amount, paid_on=paid_on, credited_on=credited_on,
        collection_month=month_of(credited_on or paid_on), barcode=barcode,
        payment_type=target.payment_type, document_kind=target.kind,
        bill=target.bill, payment_slip=target.slip,
        collection_document=target.document, property=target.property,
        customer=target.customer, reference_month=target.reference_month,
        collector=collector, channel=channel, status="pending",
    )
    db.session.add(payment)
    if flush:
        db.session.flush()
    return payment
