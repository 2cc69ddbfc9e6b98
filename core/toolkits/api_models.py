"""Store the partners of the web services and their hashed tokens (§2.2)."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import relationship

from core.domain.base import Model, utcnow

PARTNER_KINDS = (
    "BOT", "LOJA_VIRTUAL", "GATEWAY_PAGAMENTO", "PSP_PIX", "REGULADOR", "PARCEIRO"
)


class Partner(Model):
    """Parceiro: a bot or partner system that calls the partner API."""

    __tablename__ = "api_partner"
    __audited__ = True
    id = Column(Integer, primary_key=True)
    name = Column(String(80), nullable=False, unique=True)
    kind = Column(String(20), nullable=False, default="BOT")
    channel = Column(String(10), nullable=False, default="BOT")
    active = Column(Boolean, nullable=False, default=True)
    rate_limit_per_minute = Column(Integer, nullable=False, default=120)
    created_at = Column(DateTime, nullable=False, default=utcnow)
    tokens = relationship("PartnerToken", back_populates="partner")

    def __str__(self) -> str:
        return self.name


class PartnerToken(Model):
    """A partner's API token: only its prefix and SHA-256 hash are kept."""

    __tablename__ = "api_partner_token"
    __audited__ = True
    id = Column(Integer, primary_key=True)
    partner_id = Column(ForeignKey("api_partner.id"), nullable=False, index=True)
    partner = relationship(Partner, back_populates="tokens")
    prefix = Column(String(16), nullable=False, unique=True)
    token_hash = Column(String(64), nullable=False)
    scopes = Column(Text, nullable=False, default="")  # space-separated
    created_at = Column(DateTime, nullable=False, default=utcnow)
    expires_at = Column(DateTime, nullable=True)
    revoked_at = Column(DateTime, nullable=True)
    last_used_at = Column(DateTime, nullable=True)
    created_by = Column(String(64), nullable=True)

    def scope_list(self) -> list[str]:
        """Return the token's scopes."""
        return self.scopes.split()

    def __str__(self) -> str:
        return f"{self.partner.name} ({self.prefix})"
