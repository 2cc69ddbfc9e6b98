"""The password (UC2089) and e-mail code (UC2093) factors of an identification.

The e-mail code route also serves the first access (UC2096): with an
``email`` in the body, once the matrícula (and the birth date of a CPF)
passed and while the document has no login, the code goes to that new
address to prove it.
"""

from __future__ import annotations

from sqlalchemy import select

from core.domain.cadastre import Customer
from core.extensions import db
from core.toolkits.api_platform.clock import local_iso, seconds_until
from core.toolkits.api_platform.errors import CREDENTIAL_LOCKED
from core.toolkits.api_platform.limits import (
    clear_failures,
    locked_until,
    record_failure,
)
from plugins.customer_access import errors as e
from plugins.customer_access import params as p
from plugins.customer_access.codes import issue_code, verify_code
from plugins.customer_access.emails import normalize_email
from plugins.customer_access.identify import (
    Caller,
    customers_of,
    document_of,
    load_identification,
    login_for,
    passed,
)
from plugins.customer_access.models import Identification, PortalLogin
from plugins.customer_access.passwords import check_password


def login_subject(login: PortalLogin) -> str:
    """Return the lock subject of a login's password failures."""
    return f"login:{login.id}"


def credential_locked(until) -> e.AccessError:
    """Return the 423 of a login locked until ``until``."""
    return e.AccessError(
        CREDENTIAL_LOCKED, f"Senha bloqueada por tentativas erradas; tente após "
        f"{local_iso(until)}.", headers={"Retry-After": str(seconds_until(until))},
        extra={"bloqueado_ate": local_iso(until)})


def check_login_password(login: PortalLogin, password: str) -> bool:
    """Verify a login's password; count a failure (committed) and lock on the last.

    Raise CREDENCIAL_BLOQUEADA while locked or when this failure locks it.
    """
    subject = login_subject(login)
    until = locked_until(subject)
    if until is not None:
        raise credential_locked(until)
    matches, new_hash = check_password(password or "", login.password_hash)
    if matches:
        clear_failures(subject)
        if new_hash:
            login.password_hash = new_hash
        return True
    settings = p.load()
    state = record_failure(subject, settings.password_max_failures,
                           settings.password_lock_for, settings.password_lock_for)
    db.session.commit()
    if state.locked:
        raise credential_locked(state.locked_until)
    return False


def prove_password(caller: Caller, identification_id: str, password: str) -> dict:
    """Prove the portal password of the document (UC2089)."""
    row = load_identification(caller, identification_id)
    login = login_for(document_of(row))
    if login is None:
        blocked = db.session.scalar(select(PortalLogin.id).where(
            PortalLogin.document == document_of(row), PortalLogin.status != "ATIVO"))
        if blocked is not None:  # first access would answer 409: say what to do
            raise e.AccessError(e.FACTOR_NOT_APPLICABLE, "O acesso com senha deste "
                                "cliente está bloqueado; ele deve procurar o "
                                "atendimento da companhia.")
        raise e.AccessError(e.FACTOR_NOT_APPLICABLE, "Este cliente ainda não criou "
                            "uma senha; use o primeiro acesso.")
    if not check_login_password(login, password):
        remaining = max(0, p.load().password_max_failures
                        - _failures(login_subject(login)))
        raise e.AccessError(e.FACTOR_INVALID, "A senha não confere.", field="senha",
                            extra={"tentativas_restantes": remaining})
    ids = [login.customer_id] if login.customer_id in row.candidate_ids() else None
    return passed(row, caller, "SENHA", ids)


def _failures(subject: str) -> int:
    from core.toolkits.api_platform.models import FailureLock

    row = db.session.get(FailureLock, subject)
    return row.failures if row else 0


# --- the e-mail code ------------------------------------------------------------------


def first_access_factors(row: Identification) -> list[str]:
    """Return the factors the first access needs before its e-mail code."""
    return ["MATRICULA", "DATA_NASCIMENTO"] if row.document_kind == "CPF" \
        else ["MATRICULA"]


def require_first_access(row: Identification) -> None:
    """Refuse a first access without its factors or for a document with a login."""
    missing = [f for f in first_access_factors(row) if f not in row.passed()]
    if missing:
        raise e.AccessError(e.FACTORS_PENDING, "Prove antes: " + ", ".join(missing)
                            + ".", extra={"fatores_pendentes": missing})
    if login_for(document_of(row)) is not None:
        raise e.AccessError(e.LOGIN_EXISTS, "Este documento já tem acesso cadastrado; "
                            "use \"esqueci minha senha\".")


def send_identification_code(caller: Caller, identification_id: str,
                             email: str | None = None) -> dict:
    """Send the code: to the confirmed e-mail (a factor) or to a new one (UC2096)."""
    row = load_identification(caller, identification_id)
    if email is not None:
        require_first_access(row)
        address = normalize_email(email, p.load())
        return issue_code(customers_of(row)[0], "PRIMEIRO_ACESSO", address, row.id)
    login = login_for(document_of(row))
    if login is None or not login.email or not login.email_confirmed:
        raise e.AccessError(e.EMAIL_MISSING,
                            "O cliente não tem e-mail confirmado no cadastro.")
    customer = db.session.get(Customer, login.customer_id)
    return issue_code(customer, "IDENTIFICACAO", login.email, row.id)


def verify_identification_code(caller: Caller, identification_id: str,
                               code: str) -> dict:
    """Prove the code sent to the confirmed e-mail (UC2093 as a factor)."""
    row = load_identification(caller, identification_id)
    used = verify_code(row.candidate_ids(), "IDENTIFICACAO", code,
                       identification_id=row.id)
    return passed(row, caller, "CODIGO_EMAIL", [used.customer_id])
