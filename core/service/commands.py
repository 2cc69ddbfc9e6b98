"""Open, route and close service requests; issue, execute and close work orders.

core-domain.md §3.4. Every command checks all of its input first, raises
one :class:`ServiceError` listing every problem (nothing changed), and
flushes; the caller (a screen, the API, a job) commits once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask import current_app
from sqlalchemy import func, select

from core.calendar_service import business_calendar
from core.clock import today
from core.domain.base import utcnow
from core.domain.cadastre import Customer, Property
from core.domain.reference import RequestSpecification
from core.domain.service import (
    ClosingReason,
    OrgUnit,
    RequestChannel,
    RequestRouting,
    ServiceRequest,
    ServiceType,
    SpecificationRule,
    WorkOrder,
)
from core.extensions import db
from core.params import get_parameter
from core.service.updates import update_for
from core.services.money import to_money

log = logging.getLogger(__name__)


class ServiceError(ValueError):
    """Bad input for a service command; ``errors`` lists every problem."""

    status = 422

    def __init__(self, errors: list[str] | str):
        self.errors = [errors] if isinstance(errors, str) else list(errors)
        super().__init__(" ".join(self.errors))


def _by_code(model, code: str | None, label: str, errors: list):
    if not code:
        errors.append(f"Informe {label}.")
        return None
    row = db.session.scalar(select(model).where(model.code == code))
    if row is None or not row.active:
        errors.append(f"Não há cadastro ativo para {label} '{code}'.")
    return row


def _get(model, ident, label: str, errors: list, required: bool = False):
    if ident in (None, ""):
        if required:
            errors.append(f"Informe {label}.")
        return None
    row = db.session.get(model, int(ident))
    if row is None:
        errors.append(f"Não há cadastro para {label} {ident}.")
    return row


def _actor(actor: str | None) -> None:
    if actor:
        db.session.info["actor"] = actor


# --- deadlines -------------------------------------------------------------


def default_deadline_days() -> int:
    """Return the company's default deadline of a request, in days."""
    return int(get_parameter("core", "default_request_deadline_days"))


def apply_default_deadlines() -> int:
    """Give every specification without a deadline the company's default."""
    days = default_deadline_days()
    specs = db.session.scalars(
        select(RequestSpecification).where(RequestSpecification.deadline_days.is_(None))
    ).all()
    for spec in specs:
        spec.deadline_days, spec.deadline_defaulted = days, True
    db.session.flush()
    return len(specs)


def request_due_date(spec: RequestSpecification, opened_on: date) -> date:
    """Return the due date of a request opened on ``opened_on``.

    The specification's days, or the company default, counted in calendar
    days or business days as the company's parameter says.
    """
    days = spec.deadline_days
    if days is None:
        days = default_deadline_days()
    mode = get_parameter("core", "request_deadline_mode")
    return business_calendar().deadline(opened_on, days, mode)


# --- service requests ------------------------------------------------------


@dataclass
class RequestInput:
    """What a clerk (or a partner through the API) fills in to open a request."""

    specification: str = ""
    channel: str = ""
    property_id: int | None = None
    customer_id: int | None = None
    requester_name: str = ""
    requester_phone: str = ""
    requester_email: str = ""
    address: str = ""
    description: str = ""
    opening_unit_id: int | None = None
    regulator_id: int | None = None


def _check_request(data: RequestInput, errors: list) -> dict:
    spec = _by_code(RequestSpecification, data.specification, "a especificação", errors)
    rule = db.session.get(SpecificationRule, spec.id) if spec else None
    found = {
        "spec": spec, "rule": rule,
        "channel": _by_code(RequestChannel, data.channel, "o meio de solicitação",
                            errors),
        "property": _get(Property, data.property_id, "o imóvel", errors),
        "customer": _get(Customer, data.customer_id, "o cliente", errors),
        "unit": _get(OrgUnit, data.opening_unit_id, "a unidade de abertura", errors),
    }
    if rule and rule.property_required and data.property_id in (None, ""):
        errors.append("Esta especificação exige o imóvel.")
    if not (rule and rule.property_required) and not (
        data.property_id or (data.address or "").strip()
    ):
        errors.append("Informe o imóvel ou o endereço do atendimento.")
    if not (data.customer_id or (data.requester_name or "").strip()):
        errors.append("Informe o solicitante (cliente ou nome).")
    if data.regulator_id not in (None, "") and not str(data.regulator_id).isdigit():
        errors.append("Agência reguladora inválida.")
    return found


def open_request(data: RequestInput, actor: str | None = None) -> ServiceRequest:
    """Open a service request, route it to its unit and issue its work order."""
    errors: list[str] = []
    found = _check_request(data, errors)
    if errors:
        raise ServiceError(errors)

    _actor(actor)
    opened_on = today()
    due = request_due_date(found["spec"], opened_on)
    rule, unit = found["rule"], found["unit"]
    destination = (rule.default_unit if rule else None) or unit
    request = ServiceRequest(
        specification=found["spec"], channel=found["channel"],
        property=found["property"], customer=found["customer"],
        requester_name=(data.requester_name or "").strip() or (
            found["customer"].name if found["customer"] else None),
        requester_phone=data.requester_phone or None,
        requester_email=data.requester_email or None,
        address=(data.address or "").strip() or None,
        description=data.description or None,
        opened_on=opened_on, due_original=due, due_current=due, status="pending",
        opening_unit=unit, current_unit=destination, opened_by=actor,
        regulator_id=int(data.regulator_id) if data.regulator_id else None,
    )
    db.session.add(request)
    db.session.flush()
    request.protocol = f"{opened_on.year}{request.id:08d}"
    if destination is not None:
        db.session.add(RequestRouting(request=request, from_unit=unit,
                                      to_unit=destination, user=actor,
                                      note="Abertura do registro de atendimento."))
    if rule and rule.service_type:
        issue_work_order(rule.service_type.code, property_id=request.property_id,
                         request=request, origin="request", actor=actor)
    db.session.flush()
    log.info("service request %s opened (specification %s)", request.id,
             found["spec"].code)
    return request


def _pending_request(request: ServiceRequest | None, errors: list) -> None:
    if request is None:
        errors.append("Registro de atendimento inexistente.")
    elif request.status != "pending":
        errors.append(f"O {request} está {request.status_label.lower()}; "
                      "só um RA pendente pode ser tramitado ou encerrado.")


def route_request(request: ServiceRequest, to_unit_id: int, note: str = "",
                  actor: str | None = None) -> RequestRouting:
    """Pass a pending request on to another unit."""
    errors: list[str] = []
    _pending_request(request, errors)
    unit = _get(OrgUnit, to_unit_id, "a unidade de destino", errors, required=True)
    if unit is not None and not unit.receives_requests:
        errors.append(f"A unidade {unit.name} não recebe registros de atendimento.")
    if unit is not None and request is not None and unit.id == request.current_unit_id:
        errors.append(f"O {request} já está na unidade {unit.name}.")
    if errors:
        raise ServiceError(errors)

    _actor(actor)
    routing = RequestRouting(request=request, from_unit=request.current_unit,
                             to_unit=unit, user=actor, note=note or None)
    request.current_unit = unit
    db.session.add(routing)
    db.session.flush()
    log.info("service request %s routed to unit %s", request.id, unit.id)
    return routing


def close_request(request: ServiceRequest, reason: str, note: str = "",
                  actor: str | None = None) -> ServiceRequest:
    """Close a request; its pending work orders close unexecuted with it.

    A reason meaning "executed" is refused while work orders are pending.
    """
    errors: list[str] = []
    _pending_request(request, errors)
    motive = _by_code(ClosingReason, reason, "o motivo de encerramento", errors)
    orders = request.work_orders if request else []
    pending = [o for o in orders if o.status != "closed"]
    if motive is not None and motive.executed and pending:
        errors.append(f"Há {len(pending)} ordem(ns) de serviço pendente(s); encerre-"
                      "as antes de encerrar o RA como executado.")
    if errors:
        raise ServiceError(errors)

    _actor(actor)
    for order in pending:
        _close(order, motive, False, None, note or f"Encerrada com o {request}.")
    request.status, request.closed_at = "closed", utcnow()
    request.closing_reason, request.closing_note = motive, note or None
    db.session.flush()
    log.info("service request %s closed (%s)", request.id, motive.code)
    return request


# --- work orders -----------------------------------------------------------


def issue_work_order(service_type: str, *, property_id: int | None = None,
                     request: ServiceRequest | None = None, origin: str = "manual",
                     value: Decimal | None = None, priority: int | None = None,
                     unit_id: int | None = None, actor: str | None = None
                     ) -> WorkOrder:
    """Issue a work order of ``service_type`` for a property (or a request)."""
    errors: list[str] = []
    kind = _by_code(ServiceType, service_type, "o tipo de serviço", errors)
    prop = _get(Property, property_id, "o imóvel", errors)
    unit = _get(OrgUnit, unit_id, "a unidade", errors)
    if prop is None and request is None and not errors:
        errors.append("Informe o imóvel ou o registro de atendimento da OS.")
    if value is not None and to_money(value) < 0:
        errors.append("O valor do serviço não pode ser negativo.")
    if errors:
        raise ServiceError(errors)

    _actor(actor)
    amount = to_money(kind.price if value is None else value)
    generated_on = today()
    order = WorkOrder(
        service_type=kind, property=prop, service_request=request, origin=origin,
        status="pending", priority=kind.priority if priority is None else priority,
        generated_on=generated_on, original_value=amount, current_value=amount,
        current_unit=unit or (request.current_unit if request else None),
        due_date=(business_calendar().add_business_days(
            generated_on, kind.execution_days) if kind.execution_days else None),
    )
    db.session.add(order)
    db.session.flush()
    log.info("work order %s issued (%s, origin %s)", order.id, kind.code, origin)
    return order


def _pending_order(order: WorkOrder | None, errors: list) -> None:
    if order is None:
        errors.append("Ordem de serviço inexistente.")
    elif order.status == "closed":
        errors.append(f"A {order} já está encerrada.")


def execute_work_order(order: WorkOrder, executed_on: date | None = None, *,
                       reason: str = "service_completed", note: str = "",
                       charge: bool = True, value: Decimal | None = None,
                       actor: str | None = None) -> WorkOrder:
    """Close a work order as executed: run its commercial update and charge it.

    The service's price (or ``value``) becomes a pending debit when the
    service type charges one and ``charge`` is true.
    """
    errors: list[str] = []
    _pending_order(order, errors)
    motive = _by_code(ClosingReason, reason, "o motivo de encerramento", errors)
    executed_on = executed_on or today()
    if executed_on > today():
        errors.append("A data de execução não pode ser futura.")
    if order is not None and executed_on < order.generated_on:
        errors.append("A data de execução é anterior à geração da OS.")
    if motive is not None and not motive.executed:
        errors.append(f"O motivo '{motive.label}' não indica execução.")
    if value is not None and to_money(value) < 0:
        errors.append("O valor do serviço não pode ser negativo.")
    update = None
    if order is not None and order.status != "closed":
        update = update_for(order.service_type.commercial_update)
        if update is not None:
            errors.extend(update.check(order))
        price = to_money(value) if value is not None else order.current_value
        charged = charge and order.service_type.charges_debit and price > 0
        errors.extend(_charge_problems(order) if charged else [])
    if errors:
        raise ServiceError(errors)

    _actor(actor)
    order.current_value = price
    if update is not None:
        update.apply(order, executed_on)
        order.commercial_updated = True
    if charged:
        from core.service.charges import charge_work_order

        charge_work_order(order, executed_on)
    _close(order, motive, True, executed_on, note)
    log.info("work order %s executed on %s", order.id, executed_on)
    return order


def _charge_problems(order: WorkOrder) -> list[str]:
    if order.service_type.debit_type is None:
        return [f"O tipo de serviço {order.service_type.label} cobra débito, mas não "
                "tem tipo de débito cadastrado."]
    if order.property is None:
        return [f"A {order} não tem imóvel para receber o débito do serviço."]
    return []


def close_work_order(order: WorkOrder, reason: str, note: str = "",
                     actor: str | None = None) -> WorkOrder:
    """Close a work order without execution (nothing changes in the cadastre)."""
    errors: list[str] = []
    _pending_order(order, errors)
    motive = _by_code(ClosingReason, reason, "o motivo de encerramento", errors)
    if motive is not None and motive.executed:
        errors.append(f"O motivo '{motive.label}' indica execução; use a execução "
                      "da OS.")
    if errors:
        raise ServiceError(errors)
    _actor(actor)
    _close(order, motive, False, None, note)
    log.info("work order %s closed without execution (%s)", order.id, motive.code)
    return order


def _close(order: WorkOrder, motive: ClosingReason, executed: bool,
           executed_on: date | None, note: str | None) -> None:
    order.status, order.closed_at = "closed", utcnow()
    order.executed, order.executed_on = executed, executed_on
    order.closing_reason, order.closing_note = motive, note or None
    db.session.flush()
    current_app.extensions["sanea.pm"].hook.sanea_work_order_closed(work_order=order)
    request = order.service_request
    if executed and request is not None and request.status == "pending":
        others = [o for o in request.work_orders if o.status != "closed"]
        if order.service_type.closes_request and not others:
            request.status, request.closed_at = "closed", utcnow()
            request.closing_reason = motive
            request.closing_note = f"Encerrado com a execução da {order}."
    db.session.flush()


def count_requests_of_regulator(regulator_id: int) -> int:
    """Count the service requests that reference a regulatory agency."""
    return db.session.scalar(
        select(func.count(ServiceRequest.id)).where(
            ServiceRequest.regulator_id == regulator_id
        )
    )
