"""Tables of the partner API platform (owner ``core_api_platform``).

- ``api_customer_session``: the short-lived session a bot obtains for a
  customer by proving who the customer is (§2.3); only a hash of its token.
- ``api_idempotency``: the first answer to each ``Idempotency-Key`` (§2.5).
- ``api_rate_counter``: fixed-window counters of the rate limits (§2.8).
- ``api_failure_lock``: failed proofs per subject and the lock they cause.
- ``api_call_log``: one row per call: partner, customer, operation, result.
- ``api_partner_policy``: a partner's own limits and identification policy.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import relationship

from core.domain.base import Model, utcnow
from core.toolkits.api_models import Partner

OWNER = {"sanea_owner": "core_api_platform"}
IDEMPOTENCY_STATES = ("EM_ANDAMENTO", "CONCLUIDA")


class CustomerSession(Model):
    """Sessão do cliente: a partner acting for one proven customer."""

    __tablename__ = "api_customer_session"
    __table_args__ = (
        Index("ix_api_customer_session_customer", "customer_id", "revoked_at"),
        {"info": OWNER},
    )
    id = Column(Integer, primary_key=True)
    token_hash = Column(String(64), nullable=False, unique=True)
    partner_id = Column(ForeignKey("api_partner.id"), nullable=False)
    partner = relationship(Partner)
    customer_id = Column(ForeignKey("customer.id"), nullable=False)
    # Space-separated matrículas the session may act on (§2.3).
    registrations = Column(Text, nullable=False, default="")
    factors = Column(String(120), nullable=False, default="")
    channel = Column(String(10), nullable=False, default="BOT")
    created_at = Column(DateTime, nullable=False, default=utcnow)
    last_seen_at = Column(DateTime, nullable=False, default=utcnow)
    idle_minutes = Column(Integer, nullable=False, default=30)
    expires_at = Column(DateTime, nullable=False)  # the absolute limit
    revoked_at = Column(DateTime, nullable=True)

    def registration_list(self) -> list[str]:
        """Return the matrículas of the session, in the order granted."""
        return self.registrations.split()


class IdempotencyRecord(Model):
    """The answer given to one partner's Idempotency-Key."""

    __tablename__ = "api_idempotency"
    __table_args__ = (
        UniqueConstraint("partner_id", "key", name="uq_api_idempotency_key"),
        Index("ix_api_idempotency_expires_at", "expires_at"),
        {"info": OWNER},
    )
    id = Column(Integer, primary_key=True)
    partner_id = Column(ForeignKey("api_partner.id"), nullable=False)
    key = Column(String(64), nullable=False)
    operation = Column(String(80), nullable=False)
    # SHA-256 of method, path, query and the canonical body.
    fingerprint = Column(String(64), nullable=False)
    state = Column(String(12), nullable=False, default="EM_ANDAMENTO")
    status_code = Column(Integer, nullable=True)
    content_type = Column(String(80), nullable=True)
    response_body = Column(Text, nullable=True)
    created_at = Column(DateTime, nullable=False, default=utcnow)
    completed_at = Column(DateTime, nullable=True)
    expires_at = Column(DateTime, nullable=False)


class RateCounter(Model):
    """Calls counted for one limit key in one fixed window."""

    __tablename__ = "api_rate_counter"
    __table_args__ = (
        Index("ix_api_rate_counter_expires_at", "expires_at"),
        {"info": OWNER},
    )
    key = Column(String(160), primary_key=True)  # limit key + window number
    count = Column(Integer, nullable=False, default=0)
    expires_at = Column(DateTime, nullable=False)


class FailureLock(Model):
    """Failed proofs of one subject (an identification, a login) and its lock."""

    __tablename__ = "api_failure_lock"
    __table_args__ = ({"info": OWNER},)
    subject = Column(String(120), primary_key=True)
    failures = Column(Integer, nullable=False, default=0)
    first_failure_at = Column(DateTime, nullable=True)
    locked_until = Column(DateTime, nullable=True)


class CallLog(Model):
    """One partner API call: who, for whom, what and how it ended (§2.8).

    Documents and matrículas appear only as keyed hashes; passwords, codes
    and tokens never (the token's public prefix only).
    """

    __tablename__ = "api_call_log"
    __table_args__ = (
        Index("ix_api_call_log_at", "at"),
        Index("ix_api_call_log_partner_at", "partner_id", "at"),
        {"info": OWNER},
    )
    id = Column(Integer, primary_key=True)
    at = Column(DateTime, nullable=False, default=utcnow)
    partner_id = Column(ForeignKey("api_partner.id"), nullable=True)
    partner = relationship(Partner)
    token_prefix = Column(String(16), nullable=True)
    customer_id = Column(Integer, nullable=True)
    operation = Column(String(80), nullable=False)
    method = Column(String(8), nullable=False)
    route = Column(String(200), nullable=False)  # the path template
    status = Column(Integer, nullable=False)
    result = Column(String(60), nullable=False)  # OK or the error code
    duration_ms = Column(Float, nullable=False, default=0.0)
    request_id = Column(String(128), nullable=False)
    channel = Column(String(10), nullable=True)
    subject_hash = Column(String(64), nullable=True)
    idempotent_replay = Column(Integer, nullable=False, default=0)


class PartnerPolicy(Model):
    """A partner's own limits and identification policy (§2.3, §2.8).

    A partner without a row gets the defaults; the per-token limit stays
    on the partner (``rate_limit_per_minute``).
    """

    __tablename__ = "api_partner_policy"
    __audited__ = True
    __table_args__ = ({"info": OWNER},)
    partner_id = Column(ForeignKey("api_partner.id"), primary_key=True)
    partner = relationship(Partner)
    customer_rate_limit_per_minute = Column(Integer, nullable=False, default=60)
    document_attempts_per_hour = Column(Integer, nullable=False, default=10)
    # Alternatives separated by "|", factors of one alternative by "+":
    # "SENHA|MATRICULA+DATA_NASCIMENTO". Empty: the plugin's default.
    identification_policy = Column(String(200), nullable=True)

    def __str__(self) -> str:
        return f"Política de {self.partner}"
