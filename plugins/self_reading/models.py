"""Tables of self-reading (prefix ``self_reading_``, integração §4.C).

At most one ATIVA adhesion per property and one current reading per
property and reference month: both rules are unique constraints on a
nullable flag (``active``, ``current``) that holds True for the one row
and NULL for every other, so the database refuses a second one even when
two requests race.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import relationship

from core.domain.base import Model, utcnow
from core.domain.cadastre import Customer, Property
from core.domain.metering import Reading
from core.storage import StoredFile

OWNER = {"sanea_owner": "self_reading"}
ADHESION_STATUSES = ("ATIVA", "CANCELADA")
CANCEL_REASONS = (
    "CLIENTE",
    "INATIVIDADE",
    "TITULARIDADE",
    "SEM_HIDROMETRO",
    "LIGACAO_INATIVA",
)
CLASSIFICATIONS = ("DENTRO", "ACIMA", "ABAIXO", "MENOR_QUE_ANTERIOR", "VIRADA")
READING_STATUSES = (
    "RECEBIDA",
    "SUBSTITUIDA",
    "ACEITA",
    "EM_ANALISE",
    "REJEITADA",
    "APLICADA",
)
INVITATION_STATUSES = ("ENVIADO", "FALHA", "ADERIU")


class Adhesion(Model):
    """Adesão de um imóvel à autoleitura."""

    __tablename__ = "self_reading_adhesion"
    __audited__ = True
    __table_args__ = (
        UniqueConstraint(
            "property_id", "active", name="uq_self_reading_adhesion_active"
        ),
        {"info": OWNER},
    )
    id = Column(Integer, primary_key=True)
    property_id = Column(ForeignKey("property.id"), nullable=False, index=True)
    property = relationship(Property)
    customer_id = Column(ForeignKey("customer.id"), nullable=False)
    customer = relationship(Customer)
    channel = Column(String(10), nullable=False, default="BOT")
    status = Column(String(10), nullable=False, default="ATIVA")
    active = Column(Boolean, nullable=True, default=True)  # True or NULL
    joined_at = Column(DateTime, nullable=False, default=utcnow)
    cancelled_at = Column(DateTime, nullable=True)
    cancel_reason = Column(String(20), nullable=True)
    cancel_note = Column(String(200), nullable=True)
    contact_email = Column(String(120), nullable=True)
    contact_phone = Column(String(20), nullable=True)

    def __str__(self) -> str:
        return f"Adesão {self.id} ({self.property})"


class SelfReading(Model):
    """Autoleitura: a reading informed by the customer for a reference month."""

    __tablename__ = "self_reading_reading"
    __audited__ = True
    __table_args__ = (
        UniqueConstraint(
            "property_id",
            "reference_month",
            "current",
            name="uq_self_reading_reading_current",
        ),
        Index("ix_self_reading_reading_status", "status"),
        {"info": OWNER},
    )
    id = Column(Integer, primary_key=True)
    adhesion_id = Column(ForeignKey("self_reading_adhesion.id"), nullable=False)
    adhesion = relationship(Adhesion)
    property_id = Column(ForeignKey("property.id"), nullable=False, index=True)
    property = relationship(Property)
    reference_month = Column(Integer, nullable=False)
    value = Column(Integer, nullable=False)
    informed_at = Column(DateTime, nullable=False, default=utcnow)
    channel = Column(String(10), nullable=False, default="BOT")
    photo_id = Column(ForeignKey("stored_file.id"), nullable=True)
    photo = relationship(StoredFile)
    previous_reading = Column(Integer, nullable=False)
    range_low = Column(Integer, nullable=False)  # the expected reading range
    range_high = Column(Integer, nullable=False)
    consumption_m3 = Column(Integer, nullable=True)
    classification = Column(String(20), nullable=False)
    status = Column(String(12), nullable=False)
    current = Column(Boolean, nullable=True, default=True)  # True or NULL
    protocol = Column(String(16), nullable=False, unique=True)
    reading_id = Column(ForeignKey("reading.id"), nullable=True)  # once applied
    reading = relationship(Reading)
    reviewed_by = Column(String(64), nullable=True)
    reviewed_at = Column(DateTime, nullable=True)
    review_note = Column(String(200), nullable=True)

    def __str__(self) -> str:
        return self.protocol


class Invitation(Model):
    """Convite por e-mail para aderir à autoleitura (UC2001)."""

    __tablename__ = "self_reading_invitation"
    __table_args__ = (
        Index("ix_self_reading_invitation_property", "property_id", "sent_at"),
        {"info": OWNER},
    )
    id = Column(Integer, primary_key=True)
    property_id = Column(ForeignKey("property.id"), nullable=False)
    property = relationship(Property)
    customer_id = Column(ForeignKey("customer.id"), nullable=False)
    customer = relationship(Customer)
    email_hash = Column(String(64), nullable=False)
    token_hash = Column(String(64), nullable=False)
    sent_at = Column(DateTime, nullable=False, default=utcnow)
    status = Column(String(8), nullable=False)
    run_id = Column(Integer, nullable=True, index=True)
    error = Column(Text, nullable=True)

    def __str__(self) -> str:
        return f"Convite {self.id}"


class ProtocolCounter(Model):
    """The last protocol number drawn on a day (``AL`` + AAAAMMDD + 5 digits)."""

    __tablename__ = "self_reading_protocol_counter"
    __table_args__ = ({"info": OWNER},)
    day = Column(String(8), primary_key=True)
    last = Column(Integer, nullable=False, default=0)
