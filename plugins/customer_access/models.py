"""Tables of customer identification and access (prefix ``customer_access_``).

- ``customer_access_login``: the portal login of a document (GSAN's
  ``cliente_login``), with an Argon2id hash of the password;
- ``customer_access_identification``: one attempt to prove who a customer
  is, for one partner, valid 15 minutes (§2.3);
- ``customer_access_code``: a 6-digit code sent by e-mail; only its keyed
  hash is stored (UC2093).
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
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
from core.toolkits.api_models import Partner

OWNER = {"sanea_owner": "customer_access"}
LOGIN_STATUSES = ("ATIVO", "BLOQUEADO", "INATIVO")
CODE_PURPOSES = ("IDENTIFICACAO", "NOVO_EMAIL", "SENHA", "PRIMEIRO_ACESSO")


class PortalLogin(Model):
    """Login do cliente: one per document, used by the portal and by bots."""

    __tablename__ = "customer_access_login"
    __audited__ = True
    __table_args__ = (
        UniqueConstraint("document", name="uq_customer_access_login_document"),
        {"info": OWNER},
    )
    id = Column(Integer, primary_key=True)
    document = Column(String(14), nullable=False)  # CPF or CNPJ, unformatted
    customer_id = Column(ForeignKey("customer.id"), nullable=False, index=True)
    customer = relationship(Customer)
    # The property proven at the first access (GSAN keeps imov_id here).
    property_id = Column(ForeignKey("property.id"), nullable=True)
    property = relationship(Property)
    name = Column(String(100), nullable=True)
    birth_date = Column(Date, nullable=True)
    email = Column(String(120), nullable=True)
    email_confirmed = Column(Boolean, nullable=False, default=False)
    mobile = Column(String(20), nullable=True)
    password_hash = Column(String(200), nullable=False)
    status = Column(String(10), nullable=False, default="ATIVO")
    created_at = Column(DateTime, nullable=False, default=utcnow)
    password_changed_at = Column(DateTime, nullable=True)

    def __str__(self) -> str:
        return f"Login de {self.customer}"


class Identification(Model):
    """Identificação: a partner proving factors for a document (§2.3)."""

    __tablename__ = "customer_access_identification"
    __table_args__ = (
        Index("ix_customer_access_identification_document", "document_hash"),
        {"info": OWNER},
    )
    id = Column(String(36), primary_key=True)  # a UUID
    partner_id = Column(ForeignKey("api_partner.id"), nullable=False)
    partner = relationship(Partner)
    document_hash = Column(String(64), nullable=False)
    document_kind = Column(String(4), nullable=False)  # CPF | CNPJ
    # Space-separated customer ids still possible; MATRICULA narrows them.
    candidates = Column(Text, nullable=False)
    factors_passed = Column(String(120), nullable=False, default="")
    property_id = Column(ForeignKey("property.id"), nullable=True)
    failures = Column(Integer, nullable=False, default=0)
    locked_until = Column(DateTime, nullable=True)
    session_id = Column(ForeignKey("api_customer_session.id"), nullable=True)
    created_at = Column(DateTime, nullable=False, default=utcnow)
    expires_at = Column(DateTime, nullable=False)

    def candidate_ids(self) -> list[int]:
        """Return the customers the identification may still be about."""
        return [int(value) for value in self.candidates.split()]

    def passed(self) -> list[str]:
        """Return the factors proven so far, in the order they passed."""
        return self.factors_passed.split()


class VerificationCode(Model):
    """Código de verificação sent to an e-mail; only its keyed hash is kept."""

    __tablename__ = "customer_access_code"
    __table_args__ = (
        Index("ix_customer_access_code_customer", "customer_id", "sent_at"),
        {"info": OWNER},
    )
    id = Column(Integer, primary_key=True)
    customer_id = Column(ForeignKey("customer.id"), nullable=False)
    identification_id = Column(
        ForeignKey("customer_access_identification.id"), nullable=True)
    purpose = Column(String(16), nullable=False)
    destination = Column(String(120), nullable=False)  # the address it went to
    code_hash = Column(String(64), nullable=False)
    attempts = Column(Integer, nullable=False, default=0)
    sent_at = Column(DateTime, nullable=False, default=utcnow)
    expires_at = Column(DateTime, nullable=False)
    used_at = Column(DateTime, nullable=True)
    voided_at = Column(DateTime, nullable=True)
