"""E-mail the requester the protocol of a service request."""

from __future__ import annotations

from flask import current_app

from core.domain.service import ServiceRequest
from core.extensions import db
from core.notify import Delivery, EmailError, send_email
from core.service.commands import ServiceError


def email_request_protocol(request_id: int, to: str | None = None) -> Delivery:
    """Send the requester the protocol and the deadline of a request."""
    request = db.session.get(ServiceRequest, request_id)
    if request is None:
        raise ServiceError(f"Registro de atendimento {request_id} inexistente.")
    address = to or request.requester_email or (
        request.customer.email if request.customer else None)
    if not address:
        raise ServiceError("O solicitante não tem e-mail; informe um.")
    context = {"request": request, "utility": current_app.extensions["sanea.profile"]}
    try:
        return send_email(address, "service_request_opened", context)
    except EmailError as exc:
        raise ServiceError(str(exc)) from exc
