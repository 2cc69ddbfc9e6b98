"""Change the portal password (UC2094, UC2095) and create it at first access (UC2096).

Both apply one policy (:func:`~.passwords.password_problems`); a wrong
current password counts toward the login's lock like a wrong UC2089.
"""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from core.domain.cadastre import Customer
from core.extensions import db
from core.toolkits.api import VALIDATION, field_error
from core.toolkits.api_platform.clock import now_utc
from core.toolkits.api_platform.sessions import revoke_customer_sessions
from plugins.customer_access import errors as e
from plugins.customer_access import params as p
from plugins.customer_access.codes import verify_code
from plugins.customer_access.emails import (
    first_name,
    login_of,
    normalize_email,
    notify,
)
from plugins.customer_access.factors import check_login_password, require_first_access
from plugins.customer_access.identify import (
    Caller,
    customers_of,
    document_of,
    load_identification,
    passed,
)
from plugins.customer_access.models import PortalLogin
from plugins.customer_access.passwords import hash_password, password_problems

MISMATCH = "As senhas não conferem."


def _check_confirmation(password: str, confirmation: str | None) -> None:
    if confirmation is not None and confirmation != password:
        raise e.AccessError(VALIDATION, MISMATCH, field="confirmacao",
                            errors=[field_error("confirmacao", "NAO_CONFERE",
                                                MISMATCH)])


def _check_policy(password: str, document: str, birth_date, current=None) -> None:
    problems = password_problems(password, document, birth_date, current)
    if problems:
        raise e.AccessError(e.WEAK_PASSWORD, "A nova senha não atende à política.",
                            field="nova_senha", errors=problems)


def _prove(login: PortalLogin, customer: Customer, current, code) -> None:
    if current is not None:
        if not check_login_password(login, current):
            raise e.AccessError(e.WRONG_PASSWORD, "A senha atual não confere.",
                                field="senha_atual")
        return
    if code is not None:
        verify_code([customer.id], "SENHA", code)
        return
    message = "Informe a senha atual ou o código enviado ao seu e-mail."
    raise e.AccessError(VALIDATION, message, field="senha_atual",
                        errors=[field_error("senha_atual", "OBRIGATORIO", message)])


def change_password(
    customer: Customer,
    new_password: str,
    *,
    current: str | None = None,
    code: str | None = None,
    confirmation: str | None = None,
    keep_session: int | None = None,
) -> PortalLogin:
    """Replace the portal password, proven by the current one or a code.

    Every other session of the customer is revoked (``keep_session`` stays)
    and a notice goes to the e-mail on file. Flush only.
    """
    login = login_of(customer)
    if login is None:
        raise e.AccessError(e.FACTOR_NOT_APPLICABLE, "Este cliente não tem senha "
                            "cadastrada; use o primeiro acesso.")
    _check_confirmation(new_password, confirmation)
    _prove(login, customer, current, code)
    _check_policy(new_password, login.document,
                  customer.birth_date or login.birth_date, login.password_hash)
    login.password_hash = hash_password(new_password)
    login.password_changed_at = now_utc()
    revoke_customer_sessions(customer.id, keep=keep_session)
    db.session.flush()
    notify(login.email or customer.email, "customer_access/senha_alterada",
           name=first_name(customer))
    return login


def create_first_access(caller: Caller, identification_id: str, email: str,
                        code: str, password: str, confirmation: str | None) -> dict:
    """Create the document's login at the end of the first access (UC2096).

    The identification must hold the matrícula (and the birth date of a CPF)
    and the code sent to ``email``; the login opens a customer session.
    """
    row = load_identification(caller, identification_id)
    require_first_access(row)
    address = normalize_email(email, p.load())
    _check_confirmation(password, confirmation)
    customer = customers_of(row)[0]
    verify_code([customer.id], "PRIMEIRO_ACESSO", code, destination=address,
                identification_id=row.id)
    document = document_of(row)
    _check_policy(password, document, customer.birth_date)
    login = PortalLogin(
        document=document, customer_id=customer.id, property_id=row.property_id,
        name=customer.name, birth_date=customer.birth_date, email=address,
        email_confirmed=True, mobile=customer.phone,
        password_hash=hash_password(password), status="ATIVO", created_at=now_utc())
    db.session.add(login)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise e.AccessError(e.LOGIN_EXISTS, "Este documento já tem acesso "
                            "cadastrado.") from None
    answer = passed(row, caller, "SENHA", [customer.id])
    notify(address, "customer_access/boas_vindas", name=first_name(customer),
           document=_masked_document(document))
    return {"cliente_id": customer.id, "email": address, **answer}


def _masked_document(number: str) -> str:
    return number[:3] + "*" * (len(number) - 5) + number[-2:]
