"""Declare collection: payment slips, debt settlement, actions, documents, plans.

core-domain.md §1.5, §3.2 and §3.5, on top of billing's bills, pending
debits and credits (``core_billing``):

- a payment slip (``guia_pagamento``) asks a property or a customer to pay
  one amount; the down payment of an installment plan is one;
- whether a bill was paid or put into installments is kept beside it, in
  :class:`BillSettlement`, because a bill's own status only tells its
  version's life (normal, rectified, cancelled);
- a collection action (cut notice, cut...) issues collection documents to
  the properties a criterion selects, each document listing the debts it
  charges; a debt statement (extrato) is a document too, so any of them can
  be paid by its barcode (payment type 5);
- an installment plan (parcelamento) takes a property's debts and turns
  them into pending debits billed in installments.

Tables belong to the ``core_collection`` Alembic branch.
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
    Integer,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import relationship

from core.domain.base import MONEY, Model, ReferenceMixin, TimestampMixin, utcnow
from core.domain.billing import Bill, PendingCredit, PendingDebit
from core.domain.cadastre import Customer, Locality, Property
from core.domain.reference import DebitType, SewerSituation, WaterSituation
from core.domain.service import ServiceType, WorkOrder

OWNER = "core_collection"
SLIP_STATUSES = ("open", "paid", "installment", "cancelled")
SETTLEMENT_STATUSES = ("paid", "installment")
DOCUMENT_KINDS = ("statement", "cut_notice", "cut_order", "letter")
ACTION_STATUSES = ("pending", "executed", "cancelled", "expired", "suspended")
DEBT_STATUSES = ("pending", "paid", "installment", "cancelled")
PLAN_STATUSES = ("active", "completed", "undone", "cancelled")
ITEM_KINDS = ("bill", "slip", "debit", "credit")

SLIP_STATUS_LABELS = {"open": "Em aberto", "paid": "Paga", "installment": "Parcelada",
                      "cancelled": "Cancelada"}
DOCUMENT_KIND_LABELS = {"statement": "Extrato de débitos",
                        "cut_notice": "Aviso de corte", "cut_order": "Ordem de corte",
                        "letter": "Carta de cobrança"}
ACTION_STATUS_LABELS = {"pending": "Pendente", "executed": "Executada",
                        "cancelled": "Cancelada", "expired": "Cancelada por prazo",
                        "suspended": "Suspensa por pagamento ou parcelamento"}
DEBT_STATUS_LABELS = {"pending": "Pendente", "paid": "Pago", "installment": "Parcelado",
                      "cancelled": "Cancelado"}
PLAN_STATUS_LABELS = {"active": "Ativo", "completed": "Concluído", "undone": "Desfeito",
                      "cancelled": "Cancelado"}
ITEM_KIND_LABELS = {"bill": "Conta", "slip": "Guia de pagamento",
                    "debit": "Débito a cobrar", "credit": "Crédito a realizar"}


def _info(*args):
    return (*args, {"info": {"sanea_owner": OWNER}})


def _in(table: str, column: str, values: tuple[str, ...]) -> CheckConstraint:
    listed = ", ".join(f"'{v}'" for v in values)
    return CheckConstraint(f"{column} in ({listed})", name=f"ck_{table}_{column}")


def _money(**kw) -> Column:
    return Column(Numeric(*MONEY), nullable=False, default=0, **kw)


# --- payment slips and settlements -------------------------------------------


class PaymentSlip(TimestampMixin, Model):
    """Guia de pagamento of a property or a customer, with its barcode."""

    __audited__ = True
    __tablename__ = "payment_slip"
    __table_args__ = _info(
        _in("payment_slip", "status", SLIP_STATUSES),
        CheckConstraint("property_id is not null or customer_id is not null",
                        name="ck_payment_slip_owner"),
    )
    id = Column(Integer, primary_key=True)
    property_id = Column(ForeignKey("property.id"), nullable=True, index=True)
    property = relationship(Property)
    customer_id = Column(ForeignKey("customer.id"), nullable=True, index=True)
    customer = relationship(Customer)
    debit_type_id = Column(ForeignKey("debit_type.id"), nullable=False)
    debit_type = relationship(DebitType)
    description = Column(String(120), nullable=True)
    amount = _money()
    issued_on = Column(Date, nullable=False)
    due_date = Column(Date, nullable=False)
    reference_month = Column(Integer, nullable=False)  # YYYYMM of issue
    status = Column(String(12), nullable=False, default="open", index=True)
    charges_fine = Column(Boolean, nullable=False, default=True)
    # "installment_down_payment" for a plan's down payment (the plan points
    # at its slip), "manual" for one issued by a clerk.
    origin = Column(String(30), nullable=False, default="manual")
    barcode = Column(String(44), nullable=True)
    typed_line = Column(String(48), nullable=True)
    pix_code = Column(Text, nullable=True)
    paid_on = Column(Date, nullable=True)
    cancelled_at = Column(DateTime, nullable=True)
    created_by = Column(String(64), nullable=True)

    @builtins.property  # a column named "property" shadows the builtin
    def status_label(self) -> str:
        return SLIP_STATUS_LABELS.get(self.status, self.status)

    def __str__(self) -> str:
        return f"Guia {self.id}"


class BillSettlement(Model):
    """How a bill stopped asking to be paid: paid, or put into installments."""

    __audited__ = True
    __tablename__ = "bill_settlement"
    __table_args__ = _info(_in("bill_settlement", "status", SETTLEMENT_STATUSES))
    bill_id = Column(ForeignKey("bill.id"), primary_key=True)
    bill = relationship(Bill)
    status = Column(String(12), nullable=False)
    paid_on = Column(Date, nullable=True)
    installment_plan_id = Column(ForeignKey("installment_plan.id"), nullable=True)
    collection_document_id = Column(
        ForeignKey("collection_document.id"), nullable=True
    )
    settled_at = Column(DateTime, nullable=False, default=utcnow)


class MonetaryIndex(Model):
    """The monetary-update factor of a reference month (indices_acresc_impont)."""

    __audited__ = True
    __tablename__ = "monetary_index"
    __table_args__ = _info()
    reference_month = Column(Integer, primary_key=True)
    factor = Column(Numeric(16, 8), nullable=False)

    def __str__(self) -> str:
        return f"{self.reference_month % 100:02d}/{self.reference_month // 100}"


# --- criteria and actions ------------------------------------------------------

criterion_water_situation = Table(
    "collection_criterion_water", Model.metadata,
    Column("criterion_id", ForeignKey("collection_criterion.id"), primary_key=True),
    Column("water_situation_id", ForeignKey("water_situation.id"), primary_key=True),
    info={"sanea_owner": OWNER},
)
criterion_sewer_situation = Table(
    "collection_criterion_sewer", Model.metadata,
    Column("criterion_id", ForeignKey("collection_criterion.id"), primary_key=True),
    Column("sewer_situation_id", ForeignKey("sewer_situation.id"), primary_key=True),
    info={"sanea_owner": OWNER},
)


class CollectionCriterion(TimestampMixin, Model):
    """Critério de cobrança: which properties an action reaches."""

    __audited__ = True
    __tablename__ = "collection_criterion"
    __table_args__ = _info()
    id = Column(Integer, primary_key=True)
    name = Column(String(80), nullable=False, unique=True)
    min_debt = _money()
    max_debt = Column(Numeric(*MONEY), nullable=True)
    min_bills = Column(Integer, nullable=False, default=1)
    max_bills = Column(Integer, nullable=True)
    min_days_overdue = Column(Integer, nullable=False, default=0)
    include_slips = Column(Boolean, nullable=False, default=True)
    include_pending_debits = Column(Boolean, nullable=False, default=False)
    active = Column(Boolean, nullable=False, default=True)
    water_situations = relationship(WaterSituation, secondary=criterion_water_situation)
    sewer_situations = relationship(SewerSituation, secondary=criterion_sewer_situation)

    def __str__(self) -> str:
        return self.name


class CollectionAction(ReferenceMixin, Model):
    """Ação de cobrança: the document it issues and the work order it asks."""

    __audited__ = True
    __tablename__ = "collection_action"
    __table_args__ = _info(_in("collection_action", "document_kind", DOCUMENT_KINDS))
    document_kind = Column(String(12), nullable=False)
    # GSAN documento_tipo, two digits of the document's barcode.
    document_type_number = Column(Integer, nullable=False)
    service_type_id = Column(ForeignKey("service_type.id"), nullable=True)
    service_type = relationship(ServiceType)
    predecessor_id = Column(ForeignKey("collection_action.id"), nullable=True)
    predecessor = relationship("CollectionAction", remote_side="CollectionAction.id")
    min_days_after_predecessor = Column(Integer, nullable=False, default=0)
    validity_days = Column(Integer, nullable=False, default=30)
    due_days = Column(Integer, nullable=False, default=5)
    criterion_id = Column(ForeignKey("collection_criterion.id"), nullable=True)
    criterion = relationship(CollectionCriterion)
    charges_late_fees = Column(Boolean, nullable=False, default=True)
    sort_order = Column(Integer, nullable=False, default=0)


class CollectionCommand(TimestampMixin, Model):
    """Comando eventual: one run of an action over the properties selected."""

    __audited__ = True
    __tablename__ = "collection_command"
    __table_args__ = _info()
    id = Column(Integer, primary_key=True)
    action_id = Column(ForeignKey("collection_action.id"), nullable=False)
    action = relationship(CollectionAction)
    criterion_id = Column(ForeignKey("collection_criterion.id"), nullable=False)
    criterion = relationship(CollectionCriterion)
    locality_id = Column(ForeignKey("locality.id"), nullable=True)
    locality = relationship(Locality)
    reference_date = Column(Date, nullable=False)
    simulate = Column(Boolean, nullable=False, default=False)
    status = Column(String(12), nullable=False, default="created")
    selected = Column(Integer, nullable=False, default=0)
    documents = Column(Integer, nullable=False, default=0)
    work_orders = Column(Integer, nullable=False, default=0)
    total = _money()
    job_run_id = Column(Integer, nullable=True)
    created_by = Column(String(64), nullable=True)
    executed_at = Column(DateTime, nullable=True)

    def __str__(self) -> str:
        return f"Comando {self.id} — {self.action}"


# --- documents ---------------------------------------------------------------


class CollectionDocument(TimestampMixin, Model):
    """Documento de cobrança: a statement, a cut notice, a cut order..."""

    __audited__ = True
    __tablename__ = "collection_document"
    __table_args__ = _info(
        _in("collection_document", "kind", DOCUMENT_KINDS),
        _in("collection_document", "action_status", ACTION_STATUSES),
        _in("collection_document", "debt_status", DEBT_STATUSES),
        UniqueConstraint("command_id", "property_id"),
    )
    id = Column(Integer, primary_key=True)
    sequence = Column(Integer, nullable=True, unique=True)  # = id, set on insert
    kind = Column(String(12), nullable=False, index=True)
    document_type_number = Column(Integer, nullable=False)
    property_id = Column(ForeignKey("property.id"), nullable=False, index=True)
    property = relationship(Property)
    customer_id = Column(ForeignKey("customer.id"), nullable=True)
    customer = relationship(Customer)
    action_id = Column(ForeignKey("collection_action.id"), nullable=True)
    action = relationship(CollectionAction)
    command_id = Column(ForeignKey("collection_command.id"), nullable=True)
    command = relationship(CollectionCommand)
    issued_on = Column(Date, nullable=False, index=True)
    due_date = Column(Date, nullable=False)
    valid_until = Column(Date, nullable=False)
    charges_until = Column(Date, nullable=False)
    amount = _money()
    charges = _money()
    credits = _money()
    total = _money()
    action_status = Column(String(12), nullable=False, default="pending")
    debt_status = Column(String(12), nullable=False, default="pending")
    work_order_id = Column(ForeignKey("work_order.id"), nullable=True, index=True)
    work_order = relationship(WorkOrder)
    barcode = Column(String(44), nullable=True)
    typed_line = Column(String(48), nullable=True)
    pix_code = Column(Text, nullable=True)
    paid_on = Column(Date, nullable=True)
    created_by = Column(String(64), nullable=True)
    items = relationship("CollectionDocumentItem", back_populates="document",
                         order_by="CollectionDocumentItem.id",
                         cascade="all, delete-orphan")

    @builtins.property  # a column named "property" shadows the builtin
    def kind_label(self) -> str:
        return DOCUMENT_KIND_LABELS.get(self.kind, self.kind)

    @builtins.property  # a column named "property" shadows the builtin
    def action_status_label(self) -> str:
        return ACTION_STATUS_LABELS.get(self.action_status, self.action_status)

    @builtins.property  # a column named "property" shadows the builtin
    def debt_status_label(self) -> str:
        return DEBT_STATUS_LABELS.get(self.debt_status, self.debt_status)

    def __str__(self) -> str:
        return f"{self.kind_label} {self.sequence}"


class _DebtItemMixin:
    """The debt an item points at (one of four) and its late charges."""

    kind = Column(String(8), nullable=False)
    bill_id = Column(ForeignKey("bill.id"), nullable=True, index=True)
    payment_slip_id = Column(ForeignKey("payment_slip.id"), nullable=True, index=True)
    pending_debit_id = Column(ForeignKey("pending_debit.id"), nullable=True, index=True)
    pending_credit_id = Column(
        ForeignKey("pending_credit.id"), nullable=True, index=True
    )
    description = Column(String(120), nullable=True)
    reference_month = Column(Integer, nullable=True)
    due_date = Column(Date, nullable=True)
    amount = _money()
    fine = _money()
    interest = _money()
    monetary_update = _money()
    # The pending debit's or credit's status before the item took it.
    previous_status = Column(String(12), nullable=True)

    @builtins.property  # a column named "property" shadows the builtin
    def kind_label(self) -> str:
        return ITEM_KIND_LABELS.get(self.kind, self.kind)

    @builtins.property  # a column named "property" shadows the builtin
    def charges(self):
        return self.fine + self.interest + self.monetary_update

    @builtins.property  # a column named "property" shadows the builtin
    def total(self):
        """Return what the item adds to its document (credits subtract)."""
        value = self.amount + self.charges
        return -value if self.kind == "credit" else value


class CollectionDocumentItem(_DebtItemMixin, Model):
    """One debt (or credit) a collection document charges."""

    __tablename__ = "collection_document_item"
    __table_args__ = _info(
        _in("collection_document_item", "kind", ITEM_KINDS),
        _in("collection_document_item", "debt_status", DEBT_STATUSES),
    )
    id = Column(Integer, primary_key=True)
    document_id = Column(ForeignKey("collection_document.id"), nullable=False,
                         index=True)
    document = relationship(CollectionDocument, back_populates="items")
    debt_status = Column(String(12), nullable=False, default="pending")
    bill = relationship(Bill)
    payment_slip = relationship(PaymentSlip)
    pending_debit = relationship(PendingDebit)
    pending_credit = relationship(PendingCredit)


# --- installment plans -----------------------------------------------------------


class InstallmentPlan(TimestampMixin, Model):
    """Parcelamento: a property's debts turned into installments."""

    __audited__ = True
    __tablename__ = "installment_plan"
    __table_args__ = _info(_in("installment_plan", "status", PLAN_STATUSES))
    id = Column(Integer, primary_key=True)
    property_id = Column(ForeignKey("property.id"), nullable=False, index=True)
    property = relationship(Property)
    customer_id = Column(ForeignKey("customer.id"), nullable=True)
    customer = relationship(Customer)
    status = Column(String(12), nullable=False, default="active", index=True)
    created_on = Column(Date, nullable=False)
    reference_month = Column(Integer, nullable=False)
    bills_amount = _money()
    slips_amount = _money()
    debits_amount = _money()
    credits_amount = _money()
    fine = _money()
    interest = _money()
    monetary_update = _money()
    debt_total = _money()
    down_payment = _money()
    installments = Column(Integer, nullable=False)
    installment_value = _money()
    interest_percent = Column(Numeric(7, 4), nullable=False, default=0)
    formula = Column(String(12), nullable=False, default="compound")
    financed = _money()
    financed_total = _money()
    interest_amount = _money()
    down_payment_slip_id = Column(ForeignKey("payment_slip.id"), nullable=True)
    down_payment_slip = relationship(PaymentSlip, foreign_keys=[down_payment_slip_id])
    down_payment_paid_on = Column(Date, nullable=True)
    cancelled_at = Column(DateTime, nullable=True)
    cancel_reason = Column(Text, nullable=True)
    created_by = Column(String(64), nullable=True)
    items = relationship("InstallmentPlanItem", back_populates="plan",
                         order_by="InstallmentPlanItem.id",
                         cascade="all, delete-orphan")

    @builtins.property  # a column named "property" shadows the builtin
    def status_label(self) -> str:
        return PLAN_STATUS_LABELS.get(self.status, self.status)

    def __str__(self) -> str:
        return f"Parcelamento {self.id}"


class InstallmentPlanItem(_DebtItemMixin, Model):
    """One debt (or credit) an installment plan took."""

    __tablename__ = "installment_plan_item"
    __table_args__ = _info(_in("installment_plan_item", "kind", ITEM_KINDS))
    id = Column(Integer, primary_key=True)
    plan_id = Column(ForeignKey("installment_plan.id"), nullable=False, index=True)
    plan = relationship(InstallmentPlan, back_populates="items")
    bill = relationship(Bill)
    payment_slip = relationship(PaymentSlip)
    pending_debit = relationship(PendingDebit)
    pending_credit = relationship(PendingCredit)
