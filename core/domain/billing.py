"""Declare billing: tariffs, schedules, bills, pending debits and credits.

GSAN's ``faturamento`` (core-domain.md §1.4 and §6.4):

- a tariff (``consumo_tarifa``) has validities (``consumo_tarifa_vigencia``);
  each validity prices categories, optionally a subcategory
  (``consumo_tarifa_categoria``: minimum m³ and value per economy), with
  bands above the minimum (``consumo_tarifa_faixa``);
- a billing group has one schedule per reference month with its reading and
  billing dates and a due date per route (``fatur_grupo_crg_mensal``,
  ``fatur_ativ_cron_rota``);
- the bill (``conta``) keeps its lines per category (``conta_categoria``)
  and band (``conta_catg_cons_fx``), the debit installments it charged
  (``debito_cobrado``) and the credits it used (``credito_realizado``);
- a pending debit (``debito_a_cobrar``) is charged in installments over the
  coming bills; a pending credit (``credito_a_realizar``) is deducted from
  them, the unused part carried to the next bill.

Bills are never edited in place: a rectification writes a new version and
keeps the old one (``origin_bill_id``), a cancellation keeps the row with
its reason. The unique key (property, reference month, version) means the
billing job, which only writes version 0, can never bill a month twice.
"""

from __future__ import annotations

import builtins
from decimal import Decimal

from sqlalchemy import (
    Boolean,
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

from core.domain.base import (
    MONEY,
    GsanKeyMixin,
    Model,
    ReferenceMixin,
    TimestampMixin,
    utcnow,
)
from core.domain.cadastre import BillingGroup, Locality, Property, Route
from core.domain.metering import one_of
from core.domain.reference import Category, DebitType, Subcategory
from core.services.money import ZERO, installment_amount

OWNER = {"sanea_owner": "core_billing"}
PRICE = (12, 4)

BILL_STATUSES = ("normal", "rectified", "cancelled", "cancelled_by_rectification")
#: Bills that still ask to be paid (the current version of a month).
OPEN_BILL_STATUSES = ("normal", "rectified")
PENDING_STATUSES = ("pending", "finished", "cancelled")
ROUNDING_POLICIES = ("component", "total")


# --- tariffs ----------------------------------------------------------------


class Tariff(GsanKeyMixin, TimestampMixin, Model):
    """Tarifa de consumo: a price table with validities.

    The default tariff prices every property that has no tariff of its own
    (:class:`PropertyTariff`). ``sewer_percent`` is the sewer charge as a
    percentage of water, unless the sewer connection sets its own.
    """

    __audited__ = True
    __tablename__ = "tariff"
    __table_args__ = ({"info": OWNER},)
    id = Column(Integer, primary_key=True)
    code = Column(String(30), nullable=False, unique=True)
    description = Column(String(120), nullable=False)
    is_default = Column(Boolean, nullable=False, default=False)
    sewer_percent = Column(Numeric(5, 2), nullable=False, default=Decimal(0))
    active = Column(Boolean, nullable=False, default=True)
    validities = relationship(
        "TariffValidity",
        back_populates="tariff",
        order_by="TariffValidity.valid_from",
        cascade="all, delete-orphan",
    )

    def __str__(self) -> str:
        return self.description


class TariffValidity(Model):
    """Vigência: the tariff's categories as in force from ``valid_from`` on."""

    __audited__ = True
    __tablename__ = "tariff_validity"
    __table_args__ = (UniqueConstraint("tariff_id", "valid_from"), {"info": OWNER})
    id = Column(Integer, primary_key=True)
    tariff_id = Column(ForeignKey("tariff.id"), nullable=False, index=True)
    tariff = relationship(Tariff, back_populates="validities")
    valid_from = Column(Date, nullable=False)
    categories = relationship(
        "TariffCategory", back_populates="validity", cascade="all, delete-orphan"
    )

    def __str__(self) -> str:
        return f"{self.tariff} — {self.valid_from:%d/%m/%Y}"


class TariffCategory(Model):
    """The price of one category (or subcategory) in a validity.

    ``minimum_m3`` and ``minimum_value`` are per economy; a row with a
    subcategory wins over its category's row for that subcategory.
    """

    __audited__ = True
    __tablename__ = "tariff_category"
    __table_args__ = (
        UniqueConstraint("validity_id", "category_id", "subcategory_id"),
        {"info": OWNER},
    )
    id = Column(Integer, primary_key=True)
    validity_id = Column(ForeignKey("tariff_validity.id"), nullable=False, index=True)
    validity = relationship(TariffValidity, back_populates="categories")
    category_id = Column(ForeignKey("category.id"), nullable=False)
    category = relationship(Category)
    subcategory_id = Column(ForeignKey("subcategory.id"), nullable=True)
    subcategory = relationship(Subcategory)
    minimum_m3 = Column(Integer, nullable=False, default=10)
    minimum_value = Column(Numeric(*MONEY), nullable=False)
    bands = relationship(
        "TariffBand",
        back_populates="tariff_category",
        order_by="TariffBand.start_m3",
        cascade="all, delete-orphan",
    )

    def __str__(self) -> str:
        return f"{self.validity} — {self.subcategory or self.category}"


class TariffBand(Model):
    """Faixa: m³ ``start_m3``..``end_m3`` (None: no top) at a price per m³."""

    __audited__ = True
    __tablename__ = "tariff_band"
    __table_args__ = ({"info": OWNER},)
    id = Column(Integer, primary_key=True)
    tariff_category_id = Column(
        ForeignKey("tariff_category.id"), nullable=False, index=True
    )
    tariff_category = relationship(TariffCategory, back_populates="bands")
    start_m3 = Column(Integer, nullable=False)
    end_m3 = Column(Integer, nullable=True)
    price_per_m3 = Column(Numeric(*PRICE), nullable=False)

    def __str__(self) -> str:
        top = "…" if self.end_m3 is None else self.end_m3
        return f"{self.start_m3}–{top} m³"


class PropertyTariff(Model):
    """The tariff of a property that is not billed by the default one."""

    __audited__ = True
    __tablename__ = "property_tariff"
    __table_args__ = ({"info": OWNER},)
    property_id = Column(ForeignKey("property.id"), primary_key=True)
    property = relationship(Property)
    tariff_id = Column(ForeignKey("tariff.id"), nullable=False)
    tariff = relationship(Tariff)


# --- schedule ---------------------------------------------------------------


class BillingSchedule(TimestampMixin, Model):
    """Cronograma: a billing group's reading and billing dates for one month."""

    __audited__ = True
    __tablename__ = "billing_schedule"
    __table_args__ = (
        UniqueConstraint("billing_group_id", "reference_month"),
        {"info": OWNER},
    )
    id = Column(Integer, primary_key=True)
    billing_group_id = Column(ForeignKey("billing_group.id"), nullable=False)
    billing_group = relationship(BillingGroup)
    reference_month = Column(Integer, nullable=False)
    reading_date = Column(Date, nullable=False)
    billing_date = Column(Date, nullable=False)
    billed_at = Column(DateTime, nullable=True)
    routes = relationship(
        "BillingScheduleRoute", back_populates="schedule", cascade="all, delete-orphan"
    )

    def __str__(self) -> str:
        return f"{self.billing_group} — {self.reference_month}"


class BillingScheduleRoute(Model):
    """The due date of one route's bills in a schedule."""

    __audited__ = True
    __tablename__ = "billing_schedule_route"
    __table_args__ = ({"info": OWNER},)
    schedule_id = Column(ForeignKey("billing_schedule.id"), primary_key=True)
    schedule = relationship(BillingSchedule, back_populates="routes")
    route_id = Column(ForeignKey("route.id"), primary_key=True)
    route = relationship(Route)
    due_date = Column(Date, nullable=False)


# --- pending debits and credits ---------------------------------------------


class CreditType(ReferenceMixin, Model):
    """Tipo de crédito (payment in duplicate, refund, discount...)."""

    __tablename__ = "credit_type"
    __table_args__ = ({"info": OWNER},)


class PendingDebit(TimestampMixin, Model):
    """Débito a cobrar: an amount charged in installments on the next bills.

    Each bill from ``first_month`` on charges installment
    ``installments_billed + 1``: ``total / installments`` rounded down to the
    cent, the last one absorbing the remainder (specs/README.md rule 6).
    The debit is ``finished`` once every installment is billed. ``origin``
    and ``origin_id`` say what created it (an installment plan, a work
    order...), so the module that created it can find it again.
    """

    __audited__ = True
    __tablename__ = "pending_debit"
    __table_args__ = (
        one_of("pending_debit", "status", PENDING_STATUSES),
        Index("ix_pending_debit_property_status", "property_id", "status"),
        {"info": OWNER},
    )
    id = Column(Integer, primary_key=True)
    property_id = Column(ForeignKey("property.id"), nullable=False)
    property = relationship(Property)
    debit_type_id = Column(ForeignKey("debit_type.id"), nullable=False)
    debit_type = relationship(DebitType)
    description = Column(String(120), nullable=True)
    total = Column(Numeric(*MONEY), nullable=False)
    installments = Column(Integer, nullable=False, default=1)
    installments_billed = Column(Integer, nullable=False, default=0)
    reference_month = Column(Integer, nullable=True)  # month the debit refers to
    first_month = Column(Integer, nullable=False)  # first bill that charges it
    status = Column(String(10), nullable=False, default="pending")
    origin = Column(String(30), nullable=False, default="manual")
    origin_id = Column(Integer, nullable=True)

    @builtins.property  # the column "property" shadows the builtin here
    def installments_left(self) -> int:
        """Return how many installments are still to be billed."""
        return self.installments - self.installments_billed

    def next_installment(self) -> Decimal:
        """Return the amount the next bill charges (zero when finished)."""
        if self.installments_left <= 0:
            return ZERO
        return installment_amount(
            self.total, self.installments, self.installments_billed + 1
        )

    def balance(self) -> Decimal:
        """Return what is still to be billed."""
        return sum(
            (
                installment_amount(self.total, self.installments, number)
                for number in range(self.installments_billed + 1, self.installments + 1)
            ),
            ZERO,
        )

    def __str__(self) -> str:
        return f"{self.debit_type} {self.installments_billed}/{self.installments}"


class PendingCredit(TimestampMixin, Model):
    """Crédito a realizar: an amount deducted from the next bills.

    Each bill from ``first_month`` on may use installment
    ``installments_realised + 1`` (split as debits are) plus ``residual``,
    the part earlier bills could not use. A bill never goes below zero:
    what it cannot use stays in ``residual`` for the next one. The credit is
    ``finished`` when every installment is realised and nothing is left.
    """

    __audited__ = True
    __tablename__ = "pending_credit"
    __table_args__ = (
        one_of("pending_credit", "status", PENDING_STATUSES),
        Index("ix_pending_credit_property_status", "property_id", "status"),
        {"info": OWNER},
    )
    id = Column(Integer, primary_key=True)
    property_id = Column(ForeignKey("property.id"), nullable=False)
    property = relationship(Property)
    credit_type_id = Column(ForeignKey("credit_type.id"), nullable=False)
    credit_type = relationship(CreditType)
    description = Column(String(120), nullable=True)
    total = Column(Numeric(*MONEY), nullable=False)
    installments = Column(Integer, nullable=False, default=1)
    installments_realised = Column(Integer, nullable=False, default=0)
    residual = Column(Numeric(*MONEY), nullable=False, default=ZERO)
    reference_month = Column(Integer, nullable=True)
    first_month = Column(Integer, nullable=False)
    status = Column(String(10), nullable=False, default="pending")
    origin = Column(String(30), nullable=False, default="manual")
    origin_id = Column(Integer, nullable=True)

    def __str__(self) -> str:
        return f"{self.credit_type} {self.installments_realised}/{self.installments}"


# --- bills ------------------------------------------------------------------


class Bill(Model):
    """Conta: one version of a property's bill for a reference month.

    Total = water + sewer + debits − credits − taxes. ``barcode`` (44
    digits), ``typed_line`` (48) and ``pix_code`` (the BR Code, when the
    company has a Pix key) are computed once, when the version is written.
    """

    __audited__ = True
    __tablename__ = "bill"
    __table_args__ = (
        UniqueConstraint("property_id", "reference_month", "version"),
        one_of("bill", "status", BILL_STATUSES),
        one_of("bill", "rounding", ROUNDING_POLICIES),
        {"info": OWNER},
    )
    id = Column(Integer, primary_key=True)
    property_id = Column(ForeignKey("property.id"), nullable=False)
    property = relationship(Property)
    reference_month = Column(Integer, nullable=False)
    version = Column(Integer, nullable=False, default=0)
    status = Column(String(30), nullable=False, default="normal")
    billing_group_id = Column(ForeignKey("billing_group.id"), nullable=True)
    billing_group = relationship(BillingGroup)
    route_id = Column(ForeignKey("route.id"), nullable=True)
    route = relationship(Route)
    locality_id = Column(ForeignKey("locality.id"), nullable=True)
    locality = relationship(Locality)
    inscription = Column(String(30), nullable=True)
    tariff_id = Column(ForeignKey("tariff.id"), nullable=True)
    tariff = relationship(Tariff)
    consumption_type = Column(String(16), nullable=True)
    water_m3 = Column(Integer, nullable=False, default=0)
    sewer_m3 = Column(Integer, nullable=False, default=0)
    sewer_percent = Column(Numeric(5, 2), nullable=False, default=Decimal(0))
    period_start = Column(Date, nullable=True)  # the days the tariff priced
    period_end = Column(Date, nullable=True)
    previous_reading = Column(Integer, nullable=True)
    current_reading = Column(Integer, nullable=True)
    previous_reading_date = Column(Date, nullable=True)
    current_reading_date = Column(Date, nullable=True)
    water_value = Column(Numeric(*MONEY), nullable=False, default=ZERO)
    sewer_value = Column(Numeric(*MONEY), nullable=False, default=ZERO)
    debits_value = Column(Numeric(*MONEY), nullable=False, default=ZERO)
    credits_value = Column(Numeric(*MONEY), nullable=False, default=ZERO)
    taxes_value = Column(Numeric(*MONEY), nullable=False, default=ZERO)
    total = Column(Numeric(*MONEY), nullable=False, default=ZERO)
    rounding = Column(String(10), nullable=False, default="component")
    issued_on = Column(Date, nullable=False)
    due_date = Column(Date, nullable=False)
    original_due_date = Column(Date, nullable=False)
    reference_check_digit = Column(Integer, nullable=False)
    barcode = Column(String(44), nullable=False)
    typed_line = Column(String(48), nullable=False)
    pix_code = Column(Text, nullable=True)
    origin_bill_id = Column(ForeignKey("bill.id"), nullable=True)
    origin_bill = relationship("Bill", remote_side=[id])
    reason = Column(Text, nullable=True)  # of the rectification or cancellation
    rectified_at = Column(DateTime, nullable=True)
    cancelled_at = Column(DateTime, nullable=True)
    changed_by = Column(String(64), nullable=True)
    job_run_id = Column(Integer, nullable=True)
    created_at = Column(DateTime, nullable=False, default=utcnow)
    categories = relationship("BillCategory", viewonly=True, order_by="BillCategory.id")
    bands = relationship("BillBand", viewonly=True, order_by="BillBand.id")
    debits = relationship("BilledDebit", viewonly=True, order_by="BilledDebit.id")
    credits = relationship(
        "RealisedCredit", viewonly=True, order_by="RealisedCredit.id"
    )

    @builtins.property  # the column "property" shadows the builtin here
    def is_open(self) -> bool:
        """Tell whether this version still asks to be paid."""
        return self.status in OPEN_BILL_STATUSES

    @builtins.property  # the column "property" shadows the builtin here
    def reference_display(self) -> str:
        """Return the reference month as MM/AAAA."""
        return f"{self.reference_month % 100:02d}/{self.reference_month // 100}"

    def __str__(self) -> str:
        return f"Conta {self.property} {self.reference_display}"


class BillCategory(Model):
    """A bill's water and sewer of one subcategory (conta_categoria)."""

    __tablename__ = "bill_category"
    __table_args__ = ({"info": OWNER},)
    id = Column(Integer, primary_key=True)
    bill_id = Column(ForeignKey("bill.id"), nullable=False, index=True)
    bill = relationship("Bill", viewonly=True)
    reference_month = Column(Integer, nullable=False)
    category_id = Column(ForeignKey("category.id"), nullable=False)
    category = relationship(Category)
    subcategory_id = Column(ForeignKey("subcategory.id"), nullable=True)
    subcategory = relationship(Subcategory)
    economies = Column(Integer, nullable=False)
    minimum_m3 = Column(Integer, nullable=False, default=0)
    minimum_value = Column(Numeric(*MONEY), nullable=False, default=ZERO)
    water_m3 = Column(Numeric(10, 2), nullable=False, default=Decimal(0))
    water_value = Column(Numeric(*MONEY), nullable=False, default=ZERO)
    sewer_m3 = Column(Numeric(10, 2), nullable=False, default=Decimal(0))
    sewer_value = Column(Numeric(*MONEY), nullable=False, default=ZERO)


class BillBand(Model):
    """The m³ of one subcategory in one tariff band, and their water value.

    With a tariff change inside the period there is one row per validity,
    its value already weighted by the validity's days.
    """

    __tablename__ = "bill_band"
    __table_args__ = ({"info": OWNER},)
    id = Column(Integer, primary_key=True)
    bill_id = Column(ForeignKey("bill.id"), nullable=False, index=True)
    bill = relationship("Bill", viewonly=True)
    reference_month = Column(Integer, nullable=False)
    category_id = Column(ForeignKey("category.id"), nullable=False)
    category = relationship(Category)
    subcategory_id = Column(ForeignKey("subcategory.id"), nullable=True)
    valid_from = Column(Date, nullable=False)
    start_m3 = Column(Integer, nullable=False)
    end_m3 = Column(Integer, nullable=True)
    price_per_m3 = Column(Numeric(*PRICE), nullable=False)
    volume_m3 = Column(Numeric(10, 2), nullable=False)
    water_value = Column(Numeric(*MONEY), nullable=False)


class BilledDebit(Model):
    """Débito cobrado: the installment of a pending debit a bill charged."""

    __tablename__ = "billed_debit"
    __table_args__ = ({"info": OWNER},)
    id = Column(Integer, primary_key=True)
    bill_id = Column(ForeignKey("bill.id"), nullable=False, index=True)
    bill = relationship("Bill", viewonly=True)
    reference_month = Column(Integer, nullable=False)
    pending_debit_id = Column(
        ForeignKey("pending_debit.id"), nullable=False, index=True
    )
    pending_debit = relationship(PendingDebit)
    debit_type_id = Column(ForeignKey("debit_type.id"), nullable=False)
    debit_type = relationship(DebitType)
    installment_number = Column(Integer, nullable=False)
    installments = Column(Integer, nullable=False)
    amount = Column(Numeric(*MONEY), nullable=False)


class RealisedCredit(Model):
    """Crédito realizado: what a bill used of a pending credit.

    ``installment_number`` is the installment this bill consumed (None when
    it only used the residual of earlier months).
    """

    __tablename__ = "realised_credit"
    __table_args__ = ({"info": OWNER},)
    id = Column(Integer, primary_key=True)
    bill_id = Column(ForeignKey("bill.id"), nullable=False, index=True)
    bill = relationship("Bill", viewonly=True)
    reference_month = Column(Integer, nullable=False)
    pending_credit_id = Column(
        ForeignKey("pending_credit.id"), nullable=False, index=True
    )
    pending_credit = relationship(PendingCredit)
    credit_type_id = Column(ForeignKey("credit_type.id"), nullable=False)
    credit_type = relationship(CreditType)
    installment_number = Column(Integer, nullable=True)
    amount = Column(Numeric(*MONEY), nullable=False)
