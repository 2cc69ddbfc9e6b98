"""Declare payment collection: collectors, their return files, and payments.

core-domain.md §1.6 and §3.3. A collector (bank or agent, ``arrecadador``)
has contracts with their NSA counters; each return file it sends is kept
with every raw line (``arrecadador_movimento`` / ``_mov_item``); each paid
barcode becomes a payment (``pagamento``) pointing at what it pays (a bill,
a payment slip or a collection document), classified afterwards.

Payments grow every month, so they carry their collection month (YYYYMM)
for PostgreSQL partitioning (DESIGN.md §4). Tables belong to the
``core_payments`` Alembic branch.
"""

from __future__ import annotations

import builtins

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import relationship

from core.domain.base import MONEY, GsanKeyMixin, Model, TimestampMixin, utcnow
from core.domain.billing import Bill
from core.domain.cadastre import Customer, Property
from core.domain.collection import CollectionDocument, PaymentSlip

OWNER = "core_payments"
PAYMENT_STATUSES = (
    "pending", "classified", "duplicate", "underpaid", "unknown_document",
    "not_payable", "refunded", "credited",
)
PAYMENT_STATUS_LABELS = {
    "pending": "A classificar",
    "classified": "Classificado",
    "duplicate": "Em duplicidade",
    "underpaid": "Valor menor que o devido",
    "unknown_document": "Documento inexistente",
    "not_payable": "Documento não pagável (cancelado ou parcelado)",
    "refunded": "Devolvido",
    "credited": "Convertido em crédito",
}
DOCUMENT_KINDS = ("bill", "slip", "document", "unknown")
DOCUMENT_KIND_LABELS = {"bill": "Conta", "slip": "Guia de pagamento",
                        "document": "Documento de cobrança", "unknown": "Desconhecido"}


def _info(*args):
    return (*args, {"info": {"sanea_owner": OWNER}})


def _in(table: str, column: str, values: tuple[str, ...]) -> CheckConstraint:
    listed = ", ".join(f"'{v}'" for v in values)
    return CheckConstraint(f"{column} in ({listed})", name=f"ck_{table}_{column}")


class Collector(GsanKeyMixin, Model):
    """Arrecadador: a bank or an agent that receives payments."""

    __audited__ = True
    __tablename__ = "collector"
    __table_args__ = _info()
    id = Column(Integer, primary_key=True)
    bank_code = Column(String(3), nullable=False, unique=True)
    name = Column(String(80), nullable=False)
    customer_id = Column(ForeignKey("customer.id"), nullable=True)
    customer = relationship(Customer)
    active = Column(Boolean, nullable=False, default=True)

    def __str__(self) -> str:
        return f"{self.bank_code} - {self.name}"


class CollectorContract(TimestampMixin, Model):
    """Contrato de arrecadação: the agreement (convênio) and its NSA counter."""

    __audited__ = True
    __tablename__ = "collector_contract"
    __table_args__ = _info(UniqueConstraint("collector_id", "agreement"))
    id = Column(Integer, primary_key=True)
    collector_id = Column(ForeignKey("collector.id"), nullable=False, index=True)
    collector = relationship(Collector)
    agreement = Column(String(20), nullable=False)
    start_date = Column(Date, nullable=False)
    end_date = Column(Date, nullable=True)
    last_nsa = Column(Integer, nullable=False, default=0)
    tariff = Column(Numeric(*MONEY), nullable=False, default=0)
    float_days = Column(Integer, nullable=False, default=0)
    deposit_account = Column(String(40), nullable=True)
    active = Column(Boolean, nullable=False, default=True)

    def __str__(self) -> str:
        return f"{self.collector} — convênio {self.agreement}"


class ReturnFile(TimestampMixin, Model):
    """Arquivo de retorno: one file a collector sent, as received."""

    __audited__ = True
    __tablename__ = "payment_return_file"
    __table_args__ = _info(UniqueConstraint("contract_id", "nsa"))
    id = Column(Integer, primary_key=True)
    collector_id = Column(ForeignKey("collector.id"), nullable=False, index=True)
    collector = relationship(Collector)
    contract_id = Column(ForeignKey("collector_contract.id"), nullable=False)
    contract = relationship(CollectorContract)
    nsa = Column(Integer, nullable=False)
    generated_on = Column(Date, nullable=False)
    layout_version = Column(String(2), nullable=True)
    service = Column(String(20), nullable=True)
    file_name = Column(String(200), nullable=True)
    sha256 = Column(String(64), nullable=False, unique=True)
    record_count = Column(Integer, nullable=False)
    total = Column(Numeric(*MONEY), nullable=False)
    payments_count = Column(Integer, nullable=False, default=0)
    rejected_count = Column(Integer, nullable=False, default=0)
    imported_by = Column(String(64), nullable=True)
    lines = relationship("ReturnFileLine", back_populates="file",
                         order_by="ReturnFileLine.line_number")

    def __str__(self) -> str:
        bank = self.collector.bank_code if self.collector else ""
        return f"Retorno {bank} NSA {self.nsa}"


class ReturnFileLine(Model):
    """One record of a return file, raw, with whether it was accepted."""

    __tablename__ = "payment_return_line"
    __table_args__ = _info(UniqueConstraint("file_id", "line_number"))
    id = Column(Integer, primary_key=True)
    file_id = Column(ForeignKey("payment_return_file.id"), nullable=False, index=True)
    file = relationship(ReturnFile, back_populates="lines")
    line_number = Column(Integer, nullable=False)
    record_code = Column(String(1), nullable=False)
    raw = Column(String(150), nullable=False)
    accepted = Column(Boolean, nullable=False, default=True)
    occurrence = Column(String(200), nullable=True)


class Payment(TimestampMixin, Model):
    """Pagamento: an amount received for a document, and how it was classified.

    ``applied`` is the part of the amount that paid the document; ``excess``
    what went beyond it (a pending credit, or a duplicate to refund).
    ``manual`` marks a classification made by a person: reprocessing never
    touches it.
    """

    __audited__ = True
    __tablename__ = "payment"
    __table_args__ = _info(
        _in("payment", "status", PAYMENT_STATUSES),
        _in("payment", "document_kind", DOCUMENT_KINDS),
        Index("ix_payment_collection_month_status", "collection_month", "status"),
    )
    id = Column(Integer, primary_key=True)
    amount = Column(Numeric(*MONEY), nullable=False)
    applied = Column(Numeric(*MONEY), nullable=False, default=0)
    excess = Column(Numeric(*MONEY), nullable=False, default=0)
    paid_on = Column(Date, nullable=False)
    credited_on = Column(Date, nullable=True)
    collection_month = Column(Integer, nullable=False)
    reference_month = Column(Integer, nullable=True)
    barcode = Column(String(44), nullable=True, index=True)
    payment_type = Column(Integer, nullable=True)
    document_kind = Column(String(10), nullable=False, default="unknown")
    bill_id = Column(ForeignKey("bill.id"), nullable=True, index=True)
    bill = relationship(Bill)
    payment_slip_id = Column(ForeignKey("payment_slip.id"), nullable=True, index=True)
    payment_slip = relationship(PaymentSlip)
    collection_document_id = Column(
        ForeignKey("collection_document.id"), nullable=True, index=True
    )
    collection_document = relationship(CollectionDocument)
    property_id = Column(ForeignKey("property.id"), nullable=True, index=True)
    property = relationship(Property)
    customer_id = Column(ForeignKey("customer.id"), nullable=True)
    customer = relationship(Customer)
    collector_id = Column(ForeignKey("collector.id"), nullable=True)
    collector = relationship(Collector)
    return_line_id = Column(
        ForeignKey("payment_return_line.id"), nullable=True, unique=True
    )
    return_line = relationship(ReturnFileLine)
    channel = Column(String(1), nullable=True)
    status = Column(String(16), nullable=False, default="pending", index=True)
    previous_status = Column(String(16), nullable=True)
    manual = Column(Boolean, nullable=False, default=False)
    note = Column(Text, nullable=True)
    classified_at = Column(DateTime, nullable=True)
    classified_by = Column(String(64), nullable=True)
    registered_at = Column(DateTime, nullable=False, default=utcnow)

    @builtins.property  # a column named "property" shadows the builtin
    def status_label(self) -> str:
        return PAYMENT_STATUS_LABELS.get(self.status, self.status)

    @builtins.property  # a column named "property" shadows the builtin
    def document_kind_label(self) -> str:
        return DOCUMENT_KIND_LABELS.get(self.document_kind, self.document_kind)

    def __str__(self) -> str:
        return f"Pagamento {self.id}"
