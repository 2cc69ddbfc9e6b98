"""Store the partners of the web services and their hashed tokens (§2.2).

A token reads ``gsk_<env>_<prefix>_<secret>``: the prefix (8 base62
characters) finds the row and may appear in logs; only the SHA-256 of the
secret (32 random bytes, 43 base62 characters) is stored, and it is
compared in constant time. The plain token exists once, in the answer to
whoever issued it.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import re
import secrets
import string
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from flask_appbuilder.security.sqla.models import User
from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    bindparam,
    func,
    select,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, relationship

from core.domain.base import Model, utcnow

PARTNER_KINDS = (
    "BOT", "LOJA_VIRTUAL", "GATEWAY_PAGAMENTO", "PSP_PIX", "REGULADOR", "PARCEIRO"
)
CHANNELS = ("BOT", "PORTAL", "APP", "TOTEM", "URA")
MAX_ACTIVE_TOKENS = 2  # one in use and one being rotated in (§2.2)

BASE62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
PREFIX_LENGTH = 8
SECRET_LENGTH = 43  # 62**43 > 2**256: room for 32 random bytes
TOKEN_PATTERN = re.compile(
    r"gsk_(?P<env>[a-z0-9]{1,10})_(?P<prefix>[0-9A-Za-z]{8})_"
    r"(?P<secret>[0-9A-Za-z]{43})"
)
ENV_PATTERN = re.compile(r"[a-z0-9]{1,10}")
SCOPE_PATTERN = re.compile(r"[a-z][a-z0-9_-]*:(\*|[a-z][a-z0-9_-]*)")


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
    # The staff user recorded as author of what the partner changes (§2.2).
    technical_user_id = Column(ForeignKey("ab_user.id"), nullable=True)
    technical_user = relationship(User)
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
    label = Column(String(80), nullable=True)
    # Optional extra control: space-separated networks (CIDR) allowed to call.
    allowed_ips = Column(Text, nullable=True)
    created_at = Column(DateTime, nullable=False, default=utcnow)
    expires_at = Column(DateTime, nullable=True)
    revoked_at = Column(DateTime, nullable=True)
    last_used_at = Column(DateTime, nullable=True)
    created_by = Column(String(64), nullable=True)

    def scope_list(self) -> list[str]:
        """Return the token's scopes."""
        return self.scopes.split()

    def status(self, now: datetime | None = None) -> str:
        """Return Ativo, Revogado or Expirado."""
        now = now or utcnow()
        if self.revoked_at is not None:
            return "Revogado"
        if self.expires_at is not None and self.expires_at <= now:
            return "Expirado"
        return "Ativo"

    def __str__(self) -> str:
        return f"{self.partner.name} ({self.prefix})"


# --- token text ------------------------------------------------------------


@dataclass(frozen=True)
class TokenParts:
    """The three parts of a ``gsk_`` token."""

    env: str
    prefix: str
    secret: str = field(repr=False)


def _base62(value: int, width: int) -> str:
    digits = []
    while value:
        value, remainder = divmod(value, 62)
        digits.append(BASE62[remainder])
    return "".join(reversed(digits)).rjust(width, "0")


def new_token_parts(env: str) -> TokenParts:
    """Draw a fresh prefix and secret for the environment *env*."""
    if not ENV_PATTERN.fullmatch(env):
        raise ValueError(f"invalid token environment {env!r}")
    prefix = "".join(secrets.choice(BASE62) for _ in range(PREFIX_LENGTH))
    secret = _base62(int.from_bytes(secrets.token_bytes(32)), SECRET_LENGTH)
    return TokenParts(env, prefix, secret)


def token_text(parts: TokenParts) -> str:
    """Return the token as the partner sends it."""
    return f"gsk_{parts.env}_{parts.prefix}_{parts.secret}"


def parse_token(text: str) -> TokenParts | None:
    """Split a ``gsk_`` token into its parts, or return None if malformed."""
    match = TOKEN_PATTERN.fullmatch(text)
    if match is None:
        return None
    return TokenParts(match["env"], match["prefix"], match["secret"])


def hash_secret(secret: str) -> str:
    """Return the hex SHA-256 of a token's secret, as stored."""
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


def secret_matches(secret: str, stored_hash: str) -> bool:
    """Compare a secret with a stored hash in constant time."""
    return hmac.compare_digest(hash_secret(secret), stored_hash)


# --- scopes and networks ---------------------------------------------------


def scope_allows(granted: Iterable[str], needed: str) -> bool:
    """Tell whether *granted* covers *needed*, exactly or by ``family:*``."""
    granted = set(granted)
    family = needed.split(":", 1)[0]
    return needed in granted or f"{family}:*" in granted


def parse_networks(text: str | None) -> list:
    """Parse space-separated IPs or CIDR networks; raise ValueError on a bad one."""
    return [ipaddress.ip_network(item, strict=False) for item in (text or "").split()]


def address_allowed(address: str | None, networks_text: str | None) -> bool:
    """Tell whether *address* is inside the networks (no list allows any)."""
    if not networks_text:
        return True
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    return any(ip in network for network in parse_networks(networks_text))


# --- commands --------------------------------------------------------------


class TokenRequestError(ValueError):
    """A token request breaks a rule; ``errors`` holds every message."""

    def __init__(self, errors: list[str]):
        super().__init__(" ".join(errors))
        self.errors = errors


@dataclass(frozen=True)
class IssuedToken:
    """A new token: ``token`` is the only copy of the plain text."""

    token: str = field(repr=False)
    record: PartnerToken


def _scope_errors(scopes: list[str], known: set[str]) -> list[str]:
    families = {scope.split(":", 1)[0] for scope in known}
    errors = []
    if not scopes:
        errors.append("Informe ao menos um escopo.")
    for scope in scopes:
        if not SCOPE_PATTERN.fullmatch(scope):
            errors.append(f"Escopo mal formado: {scope!r} (use família:ação).")
        elif scope.endswith(":*"):
            if scope[:-2] not in families:
                errors.append(f"Família de escopos desconhecida: {scope}.")
        elif scope not in known:
            errors.append(f"Escopo desconhecido: {scope}.")
    return errors


def active_token_count(session: Session, partner_id: int, now: datetime) -> int:
    """Count the partner's tokens neither revoked nor expired."""
    table = PartnerToken.__table__.c
    return session.scalar(
        select(func.count()).where(
            table.partner_id == partner_id,
            table.revoked_at.is_(None),
            (table.expires_at.is_(None)) | (table.expires_at > now),
        )
    )


def _issue_errors(session, partner, scopes, known, expires_at, allowed_ips, now):
    errors = []
    if partner is None:
        return ["Informe o parceiro."]
    if not partner.active:
        errors.append(f"O parceiro {partner.name} está inativo.")
    errors += _scope_errors(scopes, known)
    if expires_at is not None and expires_at <= now:
        errors.append("A validade deve ser uma data futura.")
    try:
        parse_networks(allowed_ips)
    except ValueError:
        errors.append("IPs permitidos: informe endereços ou redes CIDR separados "
                      "por espaço.")
    if partner.id and active_token_count(session, partner.id, now) >= MAX_ACTIVE_TOKENS:
        errors.append(f"O parceiro {partner.name} já tem {MAX_ACTIVE_TOKENS} tokens "
                      "ativos; revogue um antes de emitir outro.")
    return errors


def issue_token(
    session: Session,
    partner: Partner | None,
    scopes: Iterable[str],
    *,
    known_scopes: Iterable[str],
    env: str,
    label: str | None = None,
    expires_at: datetime | None = None,
    allowed_ips: str | None = None,
    created_by: str | None = None,
) -> IssuedToken:
    """Validate a token request, store the new token's hash and commit once.

    Raise :class:`TokenRequestError` with every broken rule; nothing is
    written then.
    """
    now = utcnow()
    scopes = sorted(set(scopes))
    errors = _issue_errors(
        session, partner, scopes, set(known_scopes), expires_at, allowed_ips, now
    )
    if errors:
        raise TokenRequestError(errors)
    parts = new_token_parts(env)
    while session.scalar(select(PartnerToken.id).filter_by(prefix=parts.prefix)):
        parts = new_token_parts(env)  # a prefix collision: draw again
    record = PartnerToken(
        partner=partner, prefix=parts.prefix, token_hash=hash_secret(parts.secret),
        scopes=" ".join(scopes), label=label or None, expires_at=expires_at,
        allowed_ips=" ".join((allowed_ips or "").split()) or None,
        created_by=created_by, created_at=now,
    )
    session.add(record)
    session.commit()
    return IssuedToken(token_text(parts), record)


def revoke_token(session: Session, record: PartnerToken) -> bool:
    """Revoke a token now and commit; return False if it was already revoked."""
    if record.revoked_at is not None:
        return False
    record.revoked_at = utcnow()
    session.commit()
    return True


# --- lookup for authentication ----------------------------------------------


@dataclass(frozen=True, slots=True)
class Credential:
    """What one request knows about the token it carries and its partner."""

    token_id: int
    prefix: str
    token_hash: str = field(repr=False)
    scopes: frozenset[str]
    allowed_ips: str | None
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None
    partner_id: int
    partner_name: str
    partner_kind: str
    partner_channel: str
    partner_active: bool
    rate_limit_per_minute: int
    actor: str


_token = PartnerToken.__table__.c
_partner = Partner.__table__.c
_user = User.__table__.c
CREDENTIAL_QUERY = (
    select(
        _token.id, _token.prefix, _token.token_hash, _token.scopes,
        _token.allowed_ips, _token.expires_at, _token.revoked_at,
        _token.last_used_at, _partner.id, _partner.name, _partner.kind,
        _partner.channel, _partner.active, _partner.rate_limit_per_minute,
        _user.username,
    )
    .select_from(
        PartnerToken.__table__.join(Partner.__table__).outerjoin(
            User.__table__, _partner.technical_user_id == _user.id
        )
    )
    .where(_token.prefix == bindparam("prefix"))
)


def find_credential(session: Session | Connection, prefix: str) -> Credential | None:
    """Load the token with this prefix and its partner in one query."""
    row = session.execute(CREDENTIAL_QUERY, {"prefix": prefix}).first()
    if row is None:
        return None
    username = row[14]
    return Credential(
        row[0], row[1], row[2], frozenset(row[3].split()), row[4], row[5], row[6],
        row[7], row[8], row[9], row[10], row[11], bool(row[12]), row[13],
        username or f"parceiro:{row[9]}",
    )


def touch_token(session: Session | Connection, token_id: int, when: datetime) -> None:
    """Record a token's last use without auditing it (a Core UPDATE)."""
    session.execute(
        PartnerToken.__table__.update()
        .where(_token.id == token_id)
        .values(last_used_at=when)
    )
