"""Identify a customer for a partner by document and factors (UC2088-UC2091).

A partner starts with the document (UC2088) and proves factors: the
matrícula of a linked property (UC2091), the birth date (UC2090), the
portal password (UC2089) or a code sent to the confirmed e-mail (UC2093,
in :mod:`.codes`). When the factors passed cover one alternative of the
partner's policy, a customer session opens (§2.3).

Wrong factors count against the identification: the ``max_failures``-th
locks it and the document, for that partner, for ``lock_for`` (423); a
document gets at most the partner's ``document_attempts_per_hour`` calls
(429). Failures are committed before the error is raised, so the answer
never rolls them back.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select, update
from sqlalchemy.orm.attributes import set_committed_value

from core.clock import today
from core.domain.cadastre import Customer, CustomerProperty, Property
from core.extensions import db
from core.services.identifiers import (
    InvalidDocument,
    check_cpf_cnpj,
    normalize_document,
    validate_registration,
)
from core.toolkits.api import VALIDATION, field_error
from core.toolkits.api_platform.clock import local_iso, now_utc, seconds_until
from core.toolkits.api_platform.errors import (
    CUSTOMER_NOT_FOUND,
    IDENTIFICATION_LOCKED,
)
from core.toolkits.api_platform.limits import (
    enforce,
    lock_subject,
    locked_until,
    partner_policy,
)
from core.toolkits.api_platform.policy import parse_policy
from core.toolkits.api_platform.privacy import keyed_hash, mask_name
from core.toolkits.api_platform.sessions import OpenedSession, open_session
from plugins.customer_access import errors as e
from plugins.customer_access import params as p
from plugins.customer_access.models import Identification, PortalLogin

FACTORS = ("SENHA", "MATRICULA", "DATA_NASCIMENTO", "CODIGO_EMAIL")
_DIGITS = re.compile(r"[0-9]{2,10}")
MAX_AGE_YEARS = 130


@dataclass(frozen=True)
class Caller:
    """The partner an identification step runs for, and its channel."""

    partner_id: int
    channel: str = "BOT"


def policy_for(partner_id: int, settings: p.AccessParams) -> list[list[str]]:
    """Return the partner's own policy, or the company's."""
    own = partner_policy(partner_id).identification_policy
    return parse_policy(own or settings.policy)


def document_hash(number: str) -> str:
    """Return the keyed hash a document is stored and counted under."""
    return keyed_hash(number, "document")


def _document_subject(partner_id: int, digest: str) -> str:
    return f"doc:{partner_id}:{digest}"


def _count_attempt(partner_id: int, digest: str) -> None:
    limit = partner_policy(partner_id).document_attempts_per_hour
    enforce(f"docattempt:{partner_id}:{digest}", limit, 3600,
            f"Mais de {limit} tentativas em uma hora para este documento.")


def _locked(until) -> e.AccessError:
    retry = seconds_until(until)
    return e.AccessError(
        IDENTIFICATION_LOCKED,
        f"Identificação bloqueada por falhas seguidas; tente após "
        f"{local_iso(until)}.", headers={"Retry-After": str(retry)},
        extra={"bloqueado_ate": local_iso(until)})


# --- the document (UC2088) ------------------------------------------------------


def _check_document(text: str) -> tuple[str, str]:
    """Return (kind, number) of a typed CPF/CNPJ, or raise DOCUMENTO_INVALIDO."""
    try:
        document = check_cpf_cnpj(normalize_document(text))
    except InvalidDocument as exc:
        raise e.AccessError(
            e.DOCUMENT_INVALID, exc.message, field="documento",
            errors=[field_error("documento", exc.code, exc.message)]) from None
    return document.kind, document.number


def _active_links():
    day = today()
    return (CustomerProperty.end_date.is_(None)) | (CustomerProperty.end_date > day)


def candidates_for(number: str) -> list[Customer]:
    """Return the customers with this document and an active property link."""
    linked = select(CustomerProperty.customer_id).where(_active_links())
    return list(db.session.scalars(
        select(Customer).where(Customer.cpf_cnpj == number, Customer.id.in_(linked))
        .order_by(Customer.id)))


def login_for(number: str) -> PortalLogin | None:
    """Return the active portal login of a document, if any."""
    return db.session.scalar(select(PortalLogin).where(
        PortalLogin.document == number, PortalLogin.status == "ATIVO"))


def available_factors(kind: str, customers: list[Customer], login) -> list[str]:
    """Return the factors this document can prove, in the catalogue's order."""
    found = ["MATRICULA"]
    if kind == "CPF" and (any(c.birth_date for c in customers)
                          or (login and login.birth_date)):
        found.append("DATA_NASCIMENTO")
    if login is not None:
        found.append("SENHA")
    if login is not None and login.email and login.email_confirmed:
        found.append("CODIGO_EMAIL")
    return found


def start_identification(caller: Caller, text: str) -> dict:
    """Open an identification for a typed document (UC2088); flush only."""
    kind, number = _check_document(text)
    digest = document_hash(number)
    _count_attempt(caller.partner_id, digest)
    until = locked_until(_document_subject(caller.partner_id, digest))
    if until is not None:
        raise _locked(until)
    customers = candidates_for(number)
    if not customers:
        raise e.AccessError(CUSTOMER_NOT_FOUND,
                            "Nenhum cliente com vínculo ativo tem este documento.")
    settings = p.load()
    factors = available_factors(kind, customers, login_for(number))
    now = now_utc()
    row = Identification(
        id=str(uuid.uuid4()), partner_id=caller.partner_id, document_hash=digest,
        document_kind=kind, candidates=" ".join(str(c.id) for c in customers),
        created_at=now, expires_at=now + settings.identification_for)
    db.session.add(row)
    db.session.flush()
    policy = [alt for alt in policy_for(caller.partner_id, settings)
              if all(factor in factors for factor in alt)]
    return {
        "identificacao_id": row.id, "tipo_documento": kind,
        "nome_mascarado": mask_name(customers[0].name),
        "fatores_disponiveis": factors, "politica": policy,
        "expira_em": local_iso(row.expires_at),
    }


# --- loading and guarding an identification --------------------------------------


def load_identification(caller: Caller, identification_id: str) -> Identification:
    """Load the caller's identification for a step, refusing locked or expired ones.

    Every step counts as an attempt for the document.
    """
    row = None
    try:
        uuid.UUID(identification_id)
    except ValueError:
        pass
    else:
        row = db.session.get(Identification, identification_id, with_for_update=True)
    if row is None or row.partner_id != caller.partner_id:
        raise e.AccessError(e.IDENTIFICATION_NOT_FOUND,
                            f"Identificação {identification_id} não encontrada.")
    _count_attempt(caller.partner_id, row.document_hash)
    now = now_utc()
    if row.locked_until is not None and row.locked_until > now:
        raise _locked(row.locked_until)
    if row.expires_at <= now:
        raise e.AccessError(e.IDENTIFICATION_EXPIRED,
                            "A identificação expirou; informe o documento de novo.")
    return row


def fail(row: Identification, detail: str, field: str) -> e.AccessError:
    """Count a wrong factor, commit it, and return the error to raise."""
    settings = p.load()
    # One statement adds the failure, so concurrent wrong factors each count
    # even after an earlier commit released the row lock of the step.
    failures = db.session.execute(
        update(Identification)
        .where(Identification.id == row.id)
        .values(failures=Identification.failures + 1)
        .returning(Identification.failures)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    set_committed_value(row, "failures", failures)
    remaining = max(0, settings.max_failures - failures)
    if remaining == 0:
        row.locked_until = now_utc() + settings.lock_for
        lock_subject(_document_subject(row.partner_id, row.document_hash),
                     row.locked_until)
    db.session.commit()
    if remaining == 0:
        return _locked(row.locked_until)
    return e.AccessError(
        e.FACTOR_INVALID, detail, field=field,
        extra={"tentativas_restantes": remaining},
        errors=[field_error(field, "NAO_CONFERE", detail)])


def customers_of(row: Identification) -> list[Customer]:
    """Return the identification's remaining candidates."""
    ids = row.candidate_ids()
    return list(db.session.scalars(
        select(Customer).where(Customer.id.in_(ids)).order_by(Customer.id)))


def linked_registrations(customer_ids: list[int]) -> list[str]:
    """Return the matrículas the customers are actively linked to, in link order."""
    rows = db.session.execute(
        select(Property.registration).join(CustomerProperty)
        .where(CustomerProperty.customer_id.in_(customer_ids), _active_links())
        .order_by(CustomerProperty.start_date, CustomerProperty.id)).scalars()
    seen: list[str] = []
    for registration in rows:
        if str(registration) not in seen:
            seen.append(str(registration))
    return seen


def _policy_met(row: Identification, settings: p.AccessParams) -> bool:
    passed = set(row.passed())
    return any(set(alt) <= passed for alt in policy_for(row.partner_id, settings))


def _open(row: Identification, caller: Caller, settings) -> OpenedSession:
    customer_id = row.candidate_ids()[0]
    opened = open_session(
        row.partner_id, customer_id, linked_registrations([customer_id]),
        row.passed(), caller.channel, settings.session_idle_minutes,
        settings.session_max_minutes)
    row.session_id = opened.info.id
    return opened


def passed(row: Identification, caller: Caller, factor: str,
           customer_ids: list[int] | None = None) -> dict:
    """Mark a factor passed, narrow the candidates, open the session when due."""
    if customer_ids is not None:
        row.candidates = " ".join(str(i) for i in customer_ids)
    if factor not in row.passed():
        row.factors_passed = " ".join([*row.passed(), factor])
    settings = p.load()
    session = _open(row, caller, settings) if _policy_met(row, settings) else None
    db.session.flush()
    return {"fatores_ok": row.passed(),
            "sessao": session.as_json() if session else None}


# --- matrícula (UC2091) and birth date (UC2090) -------------------------------------


def prove_registration(caller: Caller, identification_id: str, text: str) -> dict:
    """Prove the matrícula of a property linked to a candidate (UC2091)."""
    text = (text or "").strip()
    if not _DIGITS.fullmatch(text) or not validate_registration(text):
        raise e.AccessError(
            e.REGISTRATION_INVALID, f"A matrícula {text} não confere com o seu "
            "dígito verificador; confira o número na conta.", field="matricula",
            errors=[field_error("matricula", "DIGITO_VERIFICADOR",
                                "Dígito verificador não confere.")])
    row = load_identification(caller, identification_id)
    settings = p.load()
    linked = db.session.execute(
        select(CustomerProperty.customer_id, Property.id).join(Property)
        .where(Property.registration == int(text),
               CustomerProperty.customer_id.in_(row.candidate_ids()),
               CustomerProperty.relation.in_(settings.relation_types), _active_links())
    ).all()
    if not linked:
        raise fail(row, f"A matrícula {text} não tem vínculo ativo com este cliente.",
                   "matricula")
    row.property_id = linked[0][1]
    return passed(row, caller, "MATRICULA", sorted({c for c, _ in linked}))


def _parse_birth_date(text: str) -> date:
    try:
        value = date.fromisoformat(text)
    except (TypeError, ValueError):
        value = None
    day = today()
    if value is None or value > day or day.year - value.year > MAX_AGE_YEARS:
        message = "Informe uma data de nascimento válida (AAAA-MM-DD)."
        raise e.AccessError(VALIDATION, message, field="data_nascimento",
                            errors=[field_error("data_nascimento", "DATA_INVALIDA",
                                                message)])
    return value


def prove_birth_date(caller: Caller, identification_id: str, text: str) -> dict:
    """Prove the birth date of a CPF customer (UC2090)."""
    born = _parse_birth_date(text)
    row = load_identification(caller, identification_id)
    if row.document_kind != "CPF":
        raise e.AccessError(e.FACTOR_NOT_APPLICABLE,
                            "A data de nascimento só identifica pessoas físicas (CPF).")
    customers = customers_of(row)
    login = login_for(customers[0].cpf_cnpj) if customers else None
    matching = [c.id for c in customers
                if (c.birth_date or (login.birth_date if login else None)) == born]
    if not matching:
        raise fail(row, "A data de nascimento não confere.", "data_nascimento")
    return passed(row, caller, "DATA_NASCIMENTO", matching)


def document_of(row: Identification) -> str:
    """Return the identification's document number, read from its candidates."""
    return db.session.scalar(select(Customer.cpf_cnpj).where(
        Customer.id.in_(row.candidate_ids())).limit(1))
