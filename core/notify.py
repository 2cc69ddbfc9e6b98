"""Send e-mail from Portuguese templates: by SMTP, or to a folder of .eml files.

With ``SANEA_SMTP_URL`` set (``smtp://user:password@host:port``, or
``smtps://`` for TLS from the start; ``?starttls=1`` to upgrade a plain
connection; ``?from=address`` for the sender) messages go to that server.
Without it nothing leaves the machine: each message is written as an .eml
file to ``<storage>/outbox`` (``instance/storage/outbox`` by default), where
an administrator can open it.

A template is ``templates/email/<name>.txt``: a first line ``Assunto: ...``,
a blank line and the body, all Jinja; ``<name>.html``, when present, is the
HTML alternative.
"""

from __future__ import annotations

import logging
import smtplib
import uuid
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from flask import current_app, render_template
from jinja2 import TemplateNotFound

log = logging.getLogger(__name__)
DEFAULT_SENDER = "nao-responda@sanea.invalid"
SUBJECT_PREFIX = "Assunto:"


class EmailError(ValueError):
    """A message that cannot be built or sent; the message says why."""


@dataclass(frozen=True)
class Attachment:
    """A file sent with a message."""

    filename: str
    content: bytes
    mime_type: str = "application/pdf"


@dataclass(frozen=True)
class Delivery:
    """Where a message went: ``smtp`` (with the server) or ``file`` (its path)."""

    mode: str
    message_id: str
    recipients: tuple[str, ...]
    path: Path | None = None
    server: str | None = None


def mask_email(address: str) -> str:
    """Return an address fit for the logs: ``m***@example.org``."""
    name, _, domain = address.partition("@")
    return f"{name[:1]}***@{domain}" if domain else "***"


def render_email(template: str, **context) -> tuple[str, str, str | None]:
    """Return (subject, text, html or None) of template ``email/<template>``."""
    text = render_template(f"email/{template}.txt", **context)
    first, _, body = text.partition("\n")
    if not first.startswith(SUBJECT_PREFIX):
        raise EmailError(f"O modelo email/{template}.txt deve começar por "
                         f"'{SUBJECT_PREFIX}'.")
    try:
        html = render_template(f"email/{template}.html", **context)
    except TemplateNotFound:
        html = None
    return first[len(SUBJECT_PREFIX):].strip(), body.lstrip("\n"), html


def _settings():
    return current_app.config["SANEA_SETTINGS"]


def _sender(url: str) -> str:
    profile = current_app.extensions["sanea.profile"]
    query = parse_qs(urlsplit(url).query) if url else {}
    address = query.get("from", [DEFAULT_SENDER])[0]
    return formataddr((profile.short_name, address))


def build_message(to: list[str], template: str, context: dict,
                  attachments: list[Attachment] = ()) -> EmailMessage:
    """Build the message of a template for the recipients."""
    recipients = [a.strip() for a in to if a and a.strip()]
    if not recipients or any("@" not in a for a in recipients):
        raise EmailError("Informe ao menos um e-mail de destino válido.")
    subject, text, html = render_email(template, **context)
    message = EmailMessage()
    message["Subject"], message["To"] = subject, ", ".join(recipients)
    message["From"] = _sender(_settings().smtp_url)
    message["Message-ID"] = make_msgid(domain="sanea.invalid")
    message.set_content(text)
    if html:
        message.add_alternative(html, subtype="html")
    for item in attachments:
        main, _, sub = item.mime_type.partition("/")
        message.add_attachment(item.content, maintype=main, subtype=sub,
                               filename=item.filename)
    return message


def outbox_dir() -> Path:
    """Return the folder where messages are written without an SMTP server."""
    return _settings().resolved_storage_dir() / "outbox"


def _write(message: EmailMessage) -> Path:
    folder = outbox_dir()
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{datetime.now():%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:8]}.eml"
    path = folder / name
    path.write_bytes(bytes(message))
    return path


def _smtp(url: str, message: EmailMessage) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise EmailError("SANEA_SMTP_URL deve ser smtp://usuario:senha@host:porta.")
    query = parse_qs(parts.query)
    client = smtplib.SMTP_SSL if parts.scheme == "smtps" else smtplib.SMTP
    port = parts.port or (465 if parts.scheme == "smtps" else 25)
    with client(parts.hostname, port, timeout=30) as server:
        if query.get("starttls", ["0"])[0] in ("1", "true"):
            server.starttls()
        if parts.username:
            server.login(unquote(parts.username), unquote(parts.password or ""))
        server.send_message(message)
    return f"{parts.hostname}:{port}"


def send_email(to: str | list[str], template: str, context: dict | None = None,
               attachments: list[Attachment] = ()) -> Delivery:
    """Send (or write to the outbox) the message of ``template``."""
    recipients = [to] if isinstance(to, str) else list(to)
    message = build_message(recipients, template, context or {}, attachments)
    masked = ", ".join(mask_email(a) for a in recipients)
    url = _settings().smtp_url
    if url:
        try:
            server = _smtp(url, message)
        except (OSError, smtplib.SMTPException) as exc:
            log.error("e-mail %s to %s failed: %s", template, masked, exc)
            raise EmailError(f"Falha ao enviar o e-mail: {exc}") from exc
        log.info("e-mail %s sent to %s through %s", template, masked, server)
        return Delivery("smtp", message["Message-ID"], tuple(recipients),
                        server=server)
    path = _write(message)
    log.info("e-mail %s to %s written to %s", template, masked, path.name)
    return Delivery("file", message["Message-ID"], tuple(recipients), path=path)
