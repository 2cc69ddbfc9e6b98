"""Admin screens of customer service (requests and work orders), in Portuguese.

Lists filter and export; operations (open, route and close a request;
issue, execute and close a work order) are forms that call the commands
of :mod:`core.service.commands` and nothing else. The small form toolkit
at the top (``Field``, ``ActionViewMixin``) serves the payments and
collection screens too.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from flask import flash, g, redirect, request, url_for
from flask_appbuilder import expose
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import has_access, permission_name
from sqlalchemy import select

from core.admin.views import SaneaModelView
from core.domain import service as s
from core.domain.cadastre import Property
from core.domain.reference import RequestSpecification
from core.extensions import db
from core.service.commands import ServiceError
from core.services.money import parse_money

CATEGORY = "Atendimento"
READ_ONLY = ["can_list", "can_show", "can_export"]


# --- a small toolkit of operation forms ------------------------------------


@dataclass(frozen=True)
class Field:
    """One field of an operation form.

    ``kind``: text, textarea, int, money, date, select, checkbox, file or
    registration (a matrícula, turned into the property's id).
    """

    name: str
    label: str
    kind: str = "text"
    required: bool = False
    options: tuple = ()
    placeholder: str = ""
    help: str = ""


def parse_date(text: str) -> date:
    """Read DD/MM/AAAA (or AAAA-MM-DD) as a date."""
    text = text.strip()
    for pattern in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError(f"Data inválida: {text!r}. Use DD/MM/AAAA.")


def property_by_registration(text: str) -> Property:
    """Find a property by its matrícula as typed (1234.5 or 12345)."""
    digits = re.sub(r"\D", "", text or "")
    prop = db.session.scalar(select(Property).where(
        Property.registration == int(digits))) if digits else None
    if prop is None:
        raise ValueError(f"Imóvel de matrícula {text!r} não encontrado.")
    return prop


def _parse(field: Field, raw: str):
    if field.kind == "int":
        return int(raw)
    if field.kind == "money":
        return parse_money(raw)
    if field.kind == "date":
        return parse_date(raw)
    if field.kind == "registration":
        return property_by_registration(raw).id
    return raw


def parse_form(fields: list[Field]) -> tuple[dict, dict, list[str]]:
    """Return (typed values, raw values, errors) of the submitted form."""
    values, raw_values, errors = {}, {}, []
    for field in fields:
        if field.kind == "file":
            upload = request.files.get(field.name)
            values[field.name] = (upload.filename, upload.read()) if upload and \
                upload.filename else None
            if field.required and values[field.name] is None:
                errors.append(f"Informe {field.label.lower()}.")
            continue
        if field.kind == "checkbox":
            values[field.name] = raw_values[field.name] = bool(
                request.form.get(field.name))
            continue
        raw = (request.form.get(field.name) or "").strip()
        raw_values[field.name] = raw
        if not raw:
            values[field.name] = None
            if field.required:
                errors.append(f"Informe {field.label.lower()}.")
            continue
        try:
            values[field.name] = _parse(field, raw)
        except (ValueError, ArithmeticError) as exc:
            errors.append(f"{field.label}: {exc}" if field.kind != "int"
                          else f"{field.label}: informe um número inteiro.")
    return values, raw_values, errors


def actor() -> str | None:
    """Return the logged-in user's name for the audit trail."""
    user = getattr(g, "user", None)
    return getattr(user, "username", None)


class ActionViewMixin:
    """Run an operation form: show it, validate it, call the command, commit."""

    action_template = "core_admin/action_form.html"
    command_errors: tuple[type[Exception], ...] = ()

    def action_form(self, title: str, fields: list[Field],
                    run: Callable[[dict], tuple[str, str]], *, back: str,
                    submit: str = "Confirmar", intro: str = "",
                    defaults: dict | None = None):
        """Render ``fields``; on POST call ``run(values)`` → (message, next url)."""
        errors: list[str] = []
        raw = dict(defaults or {})
        if request.method == "POST":
            values, raw, errors = parse_form(fields)
            if not errors:
                try:
                    message, target = run(values)
                except self.command_errors as exc:
                    db.session.rollback()
                    errors = list(getattr(exc, "errors", [str(exc)]))
                else:
                    db.session.commit()
                    flash(message, "success")
                    return redirect(target)
        return self.render_template(
            self.action_template, title=title, intro=intro, fields=fields,
            values=raw, errors=errors, submit=submit, back=back,
        ), (422 if errors else 200)


def options(model, label=str, where=None) -> tuple:
    """Return (id, text) options of the active rows of a model."""
    query = select(model)
    if hasattr(model, "active"):
        query = query.where(model.active.is_(True))
    if where is not None:
        query = query.where(where)
    return tuple((row.id, label(row)) for row in db.session.scalars(query))


def code_options(model) -> tuple:
    """Return (code, label) options of a code-keyed reference table."""
    rows = db.session.scalars(select(model).where(model.active.is_(True))
                              .order_by(model.label))
    return tuple((row.code, row.label) for row in rows)


# --- reference screens -----------------------------------------------------


def _titles(view, singular: str, plural: str):
    view.list_title = plural
    view.show_title = f"Detalhes — {singular}"
    view.add_title = f"Incluir {singular}"
    view.edit_title = f"Alterar {singular}"
    return view


LABELS = {
    "code": "Código", "label": "Descrição", "active": "Ativo", "gsan_id": "Id GSAN",
    "name": "Nome", "short_name": "Sigla", "parent": "Unidade superior",
    "opens_requests": "Abre RA", "receives_requests": "Recebe RA",
    "executed": "Indica execução", "duplicate": "Duplicidade",
    "price": "Valor (R$)", "commercial_update": "Atualização comercial",
    "charges_debit": "Gera débito", "debit_type": "Tipo de débito",
    "closes_request": "Encerra o RA", "priority": "Prioridade (menor primeiro)",
    "execution_days": "Prazo de execução (dias úteis)",
    "specification": "Especificação", "service_type": "Tipo de serviço da OS",
    "default_unit": "Unidade de destino", "property_required": "Exige imóvel",
    "protocol": "Protocolo", "channel": "Meio de solicitação", "property": "Imóvel",
    "customer": "Cliente", "requester_name": "Solicitante",
    "requester_phone": "Telefone", "requester_email": "E-mail",
    "address": "Endereço", "description": "Observação", "opened_on": "Abertura",
    "opened_at": "Aberto em", "due_original": "Prazo original",
    "due_current": "Prazo atual", "status": "Situação", "status_label": "Situação",
    "opening_unit": "Unidade de abertura", "current_unit": "Unidade atual",
    "closed_at": "Encerrado em", "closing_reason": "Motivo de encerramento",
    "closing_note": "Parecer", "regulator_id": "Agência reguladora (id)",
    "opened_by": "Aberto por", "request": "Registro de atendimento",
    "from_unit": "De", "to_unit": "Para", "at": "Em", "user": "Usuário",
    "note": "Parecer", "service_request": "Registro de atendimento",
    "origin": "Origem", "generated_on": "Geração", "due_date": "Prazo",
    "original_value": "Valor original (R$)", "current_value": "Valor (R$)",
    "executed_on": "Execução", "commercial_updated": "Cadastro atualizado",
    "id": "Número",
}


class OrgUnitView(SaneaModelView):
    datamodel = SQLAInterface(s.OrgUnit)
    list_columns = ["name", "short_name", "parent", "opens_requests",
                    "receives_requests", "active"]
    search_columns = ["name", "short_name", "active"]
    add_columns = edit_columns = ["name", "short_name", "parent", "opens_requests",
                                  "receives_requests", "active"]
    label_columns = LABELS


class RequestChannelView(SaneaModelView):
    datamodel = SQLAInterface(s.RequestChannel)
    list_columns = ["code", "label", "active"]
    search_columns = ["code", "label", "active"]
    add_columns = edit_columns = ["code", "label", "active"]
    label_columns = LABELS


class ClosingReasonView(SaneaModelView):
    datamodel = SQLAInterface(s.ClosingReason)
    list_columns = ["code", "label", "executed", "duplicate", "active"]
    search_columns = ["code", "label", "executed", "active"]
    add_columns = edit_columns = ["code", "label", "executed", "duplicate", "active"]
    label_columns = LABELS


class ServiceTypeView(SaneaModelView):
    datamodel = SQLAInterface(s.ServiceType)
    list_columns = ["code", "label", "price", "commercial_update", "charges_debit",
                    "priority", "active"]
    search_columns = ["code", "label", "commercial_update", "charges_debit", "active"]
    add_columns = edit_columns = [
        "code", "label", "price", "commercial_update", "charges_debit", "debit_type",
        "closes_request", "priority", "execution_days", "active"]
    label_columns = LABELS
    description_columns = {
        "commercial_update": "cut, reconnection, suppression, partial_suppression "
                             "ou vazio; plugins podem registrar outras.",
    }


class SpecificationRuleView(SaneaModelView):
    datamodel = SQLAInterface(s.SpecificationRule)
    list_columns = ["specification", "service_type", "default_unit",
                    "property_required"]
    add_columns = edit_columns = list_columns
    label_columns = LABELS


# --- requests --------------------------------------------------------------


class RequestRoutingView(SaneaModelView):
    datamodel = SQLAInterface(s.RequestRouting)
    list_columns = ["request", "from_unit", "to_unit", "at", "user", "note"]
    search_columns = ["request", "to_unit", "at", "user"]
    label_columns = LABELS
    base_permissions = READ_ONLY
    base_order = ("at", "desc")


class RequestWorkOrderView(SaneaModelView):
    """The work orders of one request (a tab of the request's page)."""

    datamodel = SQLAInterface(s.WorkOrder)
    list_columns = ["id", "service_type", "status_label", "generated_on",
                    "executed_on"]
    label_columns = LABELS
    base_permissions = READ_ONLY


class ServiceRequestView(ActionViewMixin, SaneaModelView):
    datamodel = SQLAInterface(s.ServiceRequest)
    list_template = "core_admin/list_actions.html"
    show_template = "core_admin/show_actions.html"
    extra_args = {
        "list_actions": [("open", "Abrir registro de atendimento", "fa-plus")],
        "show_actions": [("route", "Tramitar", "fa-share", "default"),
                         ("close", "Encerrar", "fa-check", "primary"),
                         ("email", "Enviar protocolo por e-mail", "fa-envelope",
                          "default")],
    }
    list_columns = ["protocol", "specification", "property", "requester_name",
                    "opened_on", "due_current", "status_label", "current_unit"]
    search_columns = ["protocol", "specification", "channel", "property", "customer",
                      "requester_name", "opened_on", "due_current", "status",
                      "current_unit", "regulator_id"]
    show_columns = ["protocol", "specification", "channel", "property", "customer",
                    "requester_name", "requester_phone", "requester_email",
                    "address", "description", "opened_at", "due_original",
                    "due_current", "status_label", "opening_unit", "current_unit",
                    "closed_at", "closing_reason", "closing_note", "regulator_id",
                    "opened_by"]
    related_views = [RequestRoutingView, RequestWorkOrderView]
    label_columns = LABELS
    base_permissions = READ_ONLY + ["can_open", "can_route", "can_close",
                                    "can_email"]
    base_order = ("id", "desc")

    command_errors = (ServiceError,)

    def _back(self, pk=None) -> str:
        if pk is None:
            return url_for(f"{type(self).__name__}.list")
        return url_for(f"{type(self).__name__}.show", pk=pk)

    @expose("/open", methods=["GET", "POST"])
    @has_access
    @permission_name("open")
    def open(self):
        """Open a service request."""
        from core.service.commands import RequestInput, open_request

        fields = [
            Field("specification", "Especificação", "select", True,
                  code_options(RequestSpecification)),
            Field("channel", "Meio de solicitação", "select", True,
                  code_options(s.RequestChannel)),
            Field("property_id", "Matrícula do imóvel", "registration"),
            Field("address", "Endereço (sem imóvel)"),
            Field("requester_name", "Solicitante"),
            Field("requester_phone", "Telefone"),
            Field("requester_email", "E-mail"),
            Field("opening_unit_id", "Unidade de abertura", "select", False,
                  options(s.OrgUnit)),
            Field("regulator_id", "Agência reguladora (id)", "int"),
            Field("description", "Observação", "textarea"),
        ]

        def run(values):
            data = RequestInput(**{k: v for k, v in values.items() if v is not None})
            created = open_request(data, actor=actor())
            return (f"Registro de atendimento {created.protocol} aberto; prazo "
                    f"{created.due_current:%d/%m/%Y}.", self._back(created.id))

        return self.action_form("Abrir registro de atendimento", fields, run,
                                back=self._back(), submit="Abrir")

    def _item(self, pk: int):
        return db.session.get(s.ServiceRequest, pk)

    @expose("/route/<int:pk>", methods=["GET", "POST"])
    @has_access
    @permission_name("route")
    def route(self, pk: int):
        """Pass a request on to another unit."""
        from core.service.commands import route_request

        item = self._item(pk)
        fields = [Field("to_unit_id", "Unidade de destino", "select", True,
                        options(s.OrgUnit)),
                  Field("note", "Parecer", "textarea")]

        def run(values):
            route_request(item, values["to_unit_id"], values["note"] or "", actor())
            return f"{item} tramitado.", self._back(pk)

        return self.action_form(f"Tramitar {item}", fields, run, back=self._back(pk))

    @expose("/close/<int:pk>", methods=["GET", "POST"])
    @has_access
    @permission_name("close")
    def close(self, pk: int):
        """Close a request with a reason."""
        from core.service.commands import close_request

        item = self._item(pk)
        fields = [Field("reason", "Motivo de encerramento", "select", True,
                        code_options(s.ClosingReason)),
                  Field("note", "Parecer", "textarea")]

        def run(values):
            close_request(item, values["reason"], values["note"] or "", actor())
            return f"{item} encerrado.", self._back(pk)

        return self.action_form(f"Encerrar {item}", fields, run, back=self._back(pk))

    @expose("/email/<int:pk>", methods=["GET", "POST"])
    @has_access
    @permission_name("email")
    def email(self, pk: int):
        """E-mail the requester the request's protocol."""
        from core.service.notices import email_request_protocol

        item = self._item(pk)
        fields = [Field("to", "E-mail", placeholder=item.requester_email or "")]

        def run(values):
            delivery = email_request_protocol(pk, values["to"])
            where = ("enviado" if delivery.mode == "smtp"
                     else "gravado na caixa de saída")
            return f"E-mail do protocolo {item.protocol} {where}.", self._back(pk)

        return self.action_form(f"Enviar protocolo do {item}", fields, run,
                                back=self._back(pk), submit="Enviar")


# --- work orders -----------------------------------------------------------


class WorkOrderView(ActionViewMixin, SaneaModelView):
    datamodel = SQLAInterface(s.WorkOrder)
    list_template = "core_admin/list_actions.html"
    show_template = "core_admin/show_actions.html"
    extra_args = {
        "list_actions": [("issue", "Emitir ordem de serviço", "fa-plus")],
        "show_actions": [("execute", "Executar", "fa-check", "primary"),
                         ("close", "Encerrar sem execução", "fa-ban", "danger")],
    }
    list_columns = ["id", "service_type", "property", "origin", "status_label",
                    "priority", "generated_on", "due_date", "executed_on",
                    "current_value"]
    search_columns = ["id", "service_type", "property", "origin", "status",
                      "generated_on", "due_date", "executed_on", "service_request"]
    show_columns = ["id", "service_type", "service_request", "property", "origin",
                    "status_label", "priority", "generated_on", "due_date",
                    "current_unit", "original_value", "current_value", "closed_at",
                    "executed_on", "closing_reason", "closing_note",
                    "commercial_updated"]
    label_columns = LABELS
    base_permissions = READ_ONLY + ["can_issue", "can_execute", "can_close"]
    base_order = ("id", "desc")

    command_errors = (ServiceError,)

    def _back(self, pk=None) -> str:
        name = type(self).__name__
        return url_for(f"{name}.show", pk=pk) if pk else url_for(f"{name}.list")

    @expose("/issue", methods=["GET", "POST"])
    @has_access
    @permission_name("issue")
    def issue(self):
        """Issue a work order by hand."""
        from core.service.commands import issue_work_order

        fields = [Field("service_type", "Tipo de serviço", "select", True,
                        code_options(s.ServiceType)),
                  Field("property_id", "Matrícula do imóvel", "registration", True),
                  Field("value", "Valor (R$)", "money",
                        help="Vazio: o valor do tipo de serviço.")]

        def run(values):
            order = issue_work_order(values["service_type"],
                                     property_id=values["property_id"],
                                     value=values["value"], actor=actor())
            return f"{order} emitida.", self._back(order.id)

        return self.action_form("Emitir ordem de serviço", fields, run,
                                back=self._back(), submit="Emitir")

    @expose("/execute/<int:pk>", methods=["GET", "POST"])
    @has_access
    @permission_name("execute")
    def execute(self, pk: int):
        """Close a work order as executed (runs its commercial update)."""
        from core.service.commands import execute_work_order

        order = db.session.get(s.WorkOrder, pk)
        fields = [
            Field("executed_on", "Data de execução", "date", True,
                  placeholder="DD/MM/AAAA"),
            Field("reason", "Motivo", "select", True, code_options(s.ClosingReason)),
            Field("value", "Valor cobrado (R$)", "money",
                  help="Vazio: o valor da OS."),
            Field("charge", "Cobrar o serviço", "checkbox"),
            Field("note", "Parecer", "textarea"),
        ]

        def run(values):
            execute_work_order(order, values["executed_on"], reason=values["reason"],
                               note=values["note"] or "", charge=values["charge"],
                               value=values["value"], actor=actor())
            return f"{order} executada.", self._back(pk)

        return self.action_form(f"Executar {order}", fields, run, back=self._back(pk),
                                defaults={"reason": "service_completed",
                                          "charge": True})

    @expose("/close/<int:pk>", methods=["GET", "POST"])
    @has_access
    @permission_name("close")
    def close(self, pk: int):
        """Close a work order without execution."""
        from core.service.commands import close_work_order

        order = db.session.get(s.WorkOrder, pk)
        fields = [Field("reason", "Motivo", "select", True,
                        code_options(s.ClosingReason)),
                  Field("note", "Parecer", "textarea")]

        def run(values):
            close_work_order(order, values["reason"], values["note"] or "", actor())
            return f"{order} encerrada sem execução.", self._back(pk)

        return self.action_form(f"Encerrar {order} sem execução", fields, run,
                                back=self._back(pk))


VIEWS = [
    (ServiceRequestView, "Registros de atendimento", "fa-comments"),
    (WorkOrderView, "Ordens de serviço", "fa-wrench"),
    (RequestRoutingView, "Trâmites", "fa-share"),
    (ServiceTypeView, "Tipos de serviço", "fa-list"),
    (SpecificationRuleView, "Regras das especificações", "fa-cog"),
    (OrgUnitView, "Unidades organizacionais", "fa-sitemap"),
    (RequestChannelView, "Meios de solicitação", "fa-phone"),
    (ClosingReasonView, "Motivos de encerramento", "fa-flag-checkered"),
]
TITLES = {
    ServiceRequestView: ("registro de atendimento", "Registros de atendimento"),
    WorkOrderView: ("ordem de serviço", "Ordens de serviço"),
    RequestRoutingView: ("trâmite", "Trâmites"),
    ServiceTypeView: ("tipo de serviço", "Tipos de serviço"),
    SpecificationRuleView: ("regra de especificação", "Regras das especificações"),
    OrgUnitView: ("unidade organizacional", "Unidades organizacionais"),
    RequestChannelView: ("meio de solicitação", "Meios de solicitação"),
    ClosingReasonView: ("motivo de encerramento", "Motivos de encerramento"),
    RequestWorkOrderView: ("ordem de serviço", "Ordens de serviço"),
}


def add_views(appbuilder, views, titles, category: str) -> None:
    """Title the views in Portuguese and add them under a menu category."""
    for view in titles:
        _titles(view, *titles[view])
    for view, name, icon in views:
        appbuilder.add_view(view, name, icon=icon, category=category,
                            category_label=category)


def register(appbuilder) -> None:
    """Add the customer-service screens and menus."""
    add_views(appbuilder, VIEWS, TITLES, CATEGORY)
    appbuilder.add_view_no_menu(RequestWorkOrderView)

