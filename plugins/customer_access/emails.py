"""Check and change a customer's e-mail (UC2092), proven by a code (UC2093)."""

from __future__ import annotations

import logging
import re

from sqlalchemy import select

from core.domain.cadastre import Customer
from core.extensions import db
from core.toolkits.api import field_error
from plugins.customer_access import errors as e
from plugins.customer_access import mail
from plugins.customer_access import params as p
from plugins.customer_access.codes import issue_code, verify_code
from plugins.customer_access.models import PortalLogin

log = logging.getLogger(__name__)
_LOCAL = re.compile(r"[^@\s]+")
_DOMAIN = re.compile(r"[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+")


def normalize_email(text: str, settings: p.AccessParams) -> str:
    """Return the address with its domain in lower case, or refuse it.

    A simple syntax: one ``@``, no spaces, a domain with a dot; at most
    ``email_max_length`` characters (GSAN's column holds 40).
    """
    text = (text or "").strip()
    local, at, domain = text.partition("@")
    if not at or not _LOCAL.fullmatch(local) or not _DOMAIN.fullmatch(domain):
        message = "Informe um e-mail válido (nome@dominio.com)."
        raise e.AccessError(e.EMAIL_INVALID, message, field="email",
                            errors=[field_error("email", "FORMATO_INVALIDO", message)])
    address = f"{local}@{domain.lower()}"
    if len(address) > settings.email_max_length:
        message = (f"O e-mail pode ter no máximo {settings.email_max_length} "
                   "caracteres.")
        raise e.AccessError(e.EMAIL_TOO_LONG, message, field="email",
                            errors=[field_error("email", "TAMANHO_MAXIMO", message)])
    return address


def login_of(customer: Customer) -> PortalLogin | None:
    """Return the active portal login of the customer's document."""
    if not customer.cpf_cnpj:
        return None
    return db.session.scalar(select(PortalLogin).where(
        PortalLogin.document == customer.cpf_cnpj, PortalLogin.status == "ATIVO"))


def on_file_address(customer: Customer) -> str | None:
    """Return where a customer's codes and notices go (login's, else cadastre's)."""
    login = login_of(customer)
    return (login.email if login and login.email else None) or customer.email


def notify(address: str | None, template: str, **values) -> None:
    """Send a notice; a provider fault is logged, never fatal."""
    if not address:
        return
    try:
        mail.send(address, template, **values)
    except mail.MailUnavailable:
        log.warning("notice %s not sent", template)


def first_name(customer: Customer) -> str:
    """Return the customer's first name as a greeting."""
    return customer.name.split()[0].title()


def update_email(customer: Customer, text: str, code: str | None) -> tuple[dict, int]:
    """Change the e-mail in two steps: send a code, then confirm with it (UC2092).

    Flush only; return (answer, HTTP status).
    """
    address = normalize_email(text, p.load())
    login = login_of(customer)
    if customer.email and customer.email.lower() == address.lower():
        confirmed = bool(login and login.email_confirmed)
        return {"email": customer.email, "confirmado": confirmed}, 200
    if code is None:
        sent = issue_code(customer, "NOVO_EMAIL", address)
        return {"situacao": "PENDENTE_CONFIRMACAO", **sent}, 202
    verify_code([customer.id], "NOVO_EMAIL", code, destination=address)
    previous = on_file_address(customer)
    customer.email = address
    if login is not None:
        login.email, login.email_confirmed = address, True
    db.session.flush()
    if previous and previous.lower() != address.lower():
        notify(previous, "customer_access/email_alterado", name=first_name(customer),
               new_email=address)
    return {"email": address, "confirmado": True}, 200


def send_change_code(customer: Customer, text: str | None) -> dict:
    """Send a code to a new e-mail, or for a password reset to the one on file."""
    if text is not None:
        return issue_code(customer, "NOVO_EMAIL", normalize_email(text, p.load()))
    address = on_file_address(customer)
    if not address:
        raise e.AccessError(e.EMAIL_MISSING, "O cliente não tem e-mail no cadastro.")
    return issue_code(customer, "SENHA", address)
