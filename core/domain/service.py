"""Declare customer service: requests (RA), their routing, and work orders (OS).

core-domain.md §1.3 and §3.4. A service request is opened for a request
specification through a channel, routed between organisational units and
closed with a reason; work orders come from a request, from a collection
action or are issued by hand, and executing one runs the commercial update
of its service type (``commercial_update``, see ``core.service.updates``).
Tables belong to the ``core_service`` Alembic branch.
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
    Text,
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
from core.domain.cadastre import Customer, Property
from core.domain.reference import DebitType, RequestSpecification

OWNER = "core_service"
REQUEST_STATUSES = ("pending", "closed", "blocked")
ORDER_STATUSES = ("pending", "in_progress", "closed", "awaiting_release")
ORDER_ORIGINS = ("request", "collection", "manual")
REQUEST_STATUS_LABELS = {"pending": "Pendente", "closed": "Encerrado",
                         "blocked": "Bloqueado"}
ORDER_STATUS_LABELS = {"pending": "Pendente", "in_progress": "Em execução",
                       "closed": "Encerrada",
                       "awaiting_release": "Aguardando liberação"}


def _owned(*args):
    return (*args, {"info": {"sanea_owner": OWNER}})


def _in(table: str, column: str, values: tuple[str, ...]) -> CheckConstraint:
    listed = ", ".join(f"'{v}'" for v in values)
    return CheckConstraint(f"{column} in ({listed})", name=f"ck_{table}_{column}")


class OrgUnit(GsanKeyMixin, Model):
    """Unidade organizacional that opens, receives and closes requests."""

    __audited__ = True
    __tablename__ = "org_unit"
    __table_args__ = _owned()
    id = Column(Integer, primary_key=True)
    name = Column(String(80), nullable=False)
    short_name = Column(String(20), nullable=True)
    parent_id = Column(ForeignKey("org_unit.id"), nullable=True)
    parent = relationship("OrgUnit", remote_side=[id])
    opens_requests = Column(Boolean, nullable=False, default=True)
    receives_requests = Column(Boolean, nullable=False, default=True)
    active = Column(Boolean, nullable=False, default=True)

    def __str__(self) -> str:
        return self.name


class RequestChannel(ReferenceMixin, Model):
    """Meio de solicitação: counter, phone, internet, internal..."""

    __tablename__ = "request_channel"
    __table_args__ = _owned()


class ClosingReason(ReferenceMixin, Model):
    """Motivo de encerramento of a request or work order."""

    __tablename__ = "closing_reason"
    __table_args__ = _owned()
    executed = Column(Boolean, nullable=False, default=False)
    duplicate = Column(Boolean, nullable=False, default=False)


class ServiceType(ReferenceMixin, Model):
    """Tipo de serviço of a work order, with its price and commercial update."""

    __audited__ = True
    __tablename__ = "service_type"
    __table_args__ = _owned()
    price = Column(Numeric(*MONEY), nullable=False, default=0)
    # Key of the updater run on execution (cut, reconnection, suppression...).
    commercial_update = Column(String(40), nullable=True)
    charges_debit = Column(Boolean, nullable=False, default=False)
    debit_type_id = Column(ForeignKey("debit_type.id"), nullable=True)
    debit_type = relationship(DebitType)
    closes_request = Column(Boolean, nullable=False, default=True)
    priority = Column(Integer, nullable=False, default=5)
    execution_days = Column(Integer, nullable=True)


class SpecificationRule(Model):
    """What opening a request of a specification does beyond the RA itself."""

    __audited__ = True
    __tablename__ = "request_specification_rule"
    __table_args__ = _owned()
    specification_id = Column(ForeignKey("request_specification.id"), primary_key=True)
    specification = relationship(RequestSpecification)
    service_type_id = Column(ForeignKey("service_type.id"), nullable=True)
    service_type = relationship(ServiceType)
    default_unit_id = Column(ForeignKey("org_unit.id"), nullable=True)
    default_unit = relationship(OrgUnit)
    property_required = Column(Boolean, nullable=False, default=True)


class ServiceRequest(TimestampMixin, Model):
    """Registro de atendimento (RA), with its deadline and current unit."""

    __audited__ = True
    __tablename__ = "service_request"
    __table_args__ = _owned(_in("service_request", "status", REQUEST_STATUSES))
    id = Column(Integer, primary_key=True)
    protocol = Column(String(20), nullable=True, unique=True)
    specification_id = Column(
        ForeignKey("request_specification.id"), nullable=False, index=True
    )
    specification = relationship(RequestSpecification)
    channel_id = Column(ForeignKey("request_channel.id"), nullable=False)
    channel = relationship(RequestChannel)
    property_id = Column(ForeignKey("property.id"), nullable=True, index=True)
    property = relationship(Property)
    customer_id = Column(ForeignKey("customer.id"), nullable=True, index=True)
    customer = relationship(Customer)
    requester_name = Column(String(100), nullable=True)
    requester_phone = Column(String(20), nullable=True)
    requester_email = Column(String(120), nullable=True)
    address = Column(String(200), nullable=True)
    description = Column(Text, nullable=True)
    opened_at = Column(DateTime, nullable=False, default=utcnow)
    opened_on = Column(Date, nullable=False, index=True)
    due_original = Column(Date, nullable=False)
    due_current = Column(Date, nullable=False)
    status = Column(String(10), nullable=False, default="pending", index=True)
    opening_unit_id = Column(ForeignKey("org_unit.id"), nullable=True)
    opening_unit = relationship(OrgUnit, foreign_keys=[opening_unit_id])
    current_unit_id = Column(ForeignKey("org_unit.id"), nullable=True, index=True)
    current_unit = relationship(OrgUnit, foreign_keys=[current_unit_id])
    closed_at = Column(DateTime, nullable=True)
    closing_reason_id = Column(ForeignKey("closing_reason.id"), nullable=True)
    closing_reason = relationship(ClosingReason)
    closing_note = Column(Text, nullable=True)
    # A regulatory agency the request was forwarded by or to (plugin's id; the
    # core never depends on a plugin, so there is no foreign key).
    regulator_id = Column(Integer, nullable=True, index=True)
    opened_by = Column(String(64), nullable=True)
    routings = relationship(
        "RequestRouting", back_populates="request", order_by="RequestRouting.id"
    )
    work_orders = relationship(
        "WorkOrder", back_populates="service_request", order_by="WorkOrder.id"
    )

    @builtins.property  # a column named "property" shadows the builtin
    def status_label(self) -> str:
        return REQUEST_STATUS_LABELS.get(self.status, self.status)

    def __str__(self) -> str:
        return f"RA {self.protocol or self.id}"


class RequestRouting(Model):
    """Trâmite: a request passed from one unit to another."""

    __tablename__ = "service_request_routing"
    __table_args__ = _owned()
    id = Column(Integer, primary_key=True)
    request_id = Column(ForeignKey("service_request.id"), nullable=False, index=True)
    request = relationship(ServiceRequest, back_populates="routings")
    from_unit_id = Column(ForeignKey("org_unit.id"), nullable=True)
    from_unit = relationship(OrgUnit, foreign_keys=[from_unit_id])
    to_unit_id = Column(ForeignKey("org_unit.id"), nullable=False)
    to_unit = relationship(OrgUnit, foreign_keys=[to_unit_id])
    at = Column(DateTime, nullable=False, default=utcnow)
    user = Column(String(64), nullable=True)
    note = Column(Text, nullable=True)


class WorkOrder(TimestampMixin, Model):
    """Ordem de serviço (OS): field work with its value and its outcome."""

    __audited__ = True
    __tablename__ = "work_order"
    __table_args__ = _owned(
        _in("work_order", "status", ORDER_STATUSES),
        _in("work_order", "origin", ORDER_ORIGINS),
    )
    id = Column(Integer, primary_key=True)
    service_type_id = Column(ForeignKey("service_type.id"), nullable=False, index=True)
    service_type = relationship(ServiceType)
    service_request_id = Column(
        ForeignKey("service_request.id"), nullable=True, index=True
    )
    service_request = relationship(ServiceRequest, back_populates="work_orders")
    property_id = Column(ForeignKey("property.id"), nullable=True, index=True)
    property = relationship(Property)
    origin = Column(String(12), nullable=False, default="manual")
    status = Column(String(16), nullable=False, default="pending", index=True)
    priority = Column(Integer, nullable=False, default=5)
    generated_at = Column(DateTime, nullable=False, default=utcnow)
    generated_on = Column(Date, nullable=False, index=True)
    due_date = Column(Date, nullable=True)
    current_unit_id = Column(ForeignKey("org_unit.id"), nullable=True)
    current_unit = relationship(OrgUnit)
    original_value = Column(Numeric(*MONEY), nullable=False, default=0)
    current_value = Column(Numeric(*MONEY), nullable=False, default=0)
    closed_at = Column(DateTime, nullable=True)
    executed_on = Column(Date, nullable=True)
    executed = Column(Boolean, nullable=True)
    closing_reason_id = Column(ForeignKey("closing_reason.id"), nullable=True)
    closing_reason = relationship(ClosingReason)
    closing_note = Column(Text, nullable=True)
    # The service's price becomes a pending debit of origin "work_order" and
    # origin_id = this id (core_billing's table), so no column is needed here.
    commercial_updated = Column(Boolean, nullable=False, default=False)

    @builtins.property  # a column named "property" shadows the builtin
    def status_label(self) -> str:
        return ORDER_STATUS_LABELS.get(self.status, self.status)

    def __str__(self) -> str:
        return f"OS {self.id} — {self.service_type.label if self.service_type else ''}"
