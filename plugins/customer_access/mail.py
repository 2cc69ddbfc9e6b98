"""Send the plugin's e-mails through the core's e-mail service (:mod:`core.notify`).

Templates live in ``templates/email/customer_access/`` of the plugin, which
:func:`register_templates` puts on the application's template path.
"""

from __future__ import annotations

import logging

from flask import Blueprint, current_app

log = logging.getLogger(__name__)
TEMPLATES = Blueprint("customer_access_email", __name__, template_folder="templates")


class MailUnavailable(RuntimeError):
    """The mail provider refused or failed to take the message."""


def register_templates(app, blueprint: Blueprint = TEMPLATES) -> None:
    """Make a plugin's e-mail templates visible to ``render_template``."""
    if blueprint.name not in app.blueprints:
        app.register_blueprint(blueprint)


def company_name() -> str:
    """Return the company's short name, for messages."""
    return current_app.extensions["sanea.profile"].short_name


def deliver(to: str, template: str, context: dict) -> None:
    """Hand one message to the core's e-mail service (SMTP or the outbox)."""
    from core import notify

    try:
        notify.send_email(to, template, context)
    except notify.EmailError as exc:
        raise MailUnavailable(str(exc)) from exc


def send(to: str, template: str, **values) -> None:
    """Send template ``email/<template>.txt``; raise MailUnavailable on faults.

    Plugins name their templates with their folder: ``customer_access/...``.
    """
    context = {"company": company_name(), **values}
    try:
        deliver(to, template, context)
    except MailUnavailable as exc:
        log.warning("e-mail %s not sent: %s", template, exc)
        raise
