"""Admin screens of metering and billing, in Portuguese.

Meters and tariffs are edited here; readings, consumption and bills are
listed and shown (they are written by commands and jobs). A bill's page
downloads its second copy and rectifies or cancels it through the same
commands the API and the jobs use. "Faturamento do imóvel" shows one
property's bills, readings and consumption history together.
"""

from __future__ import annotations

from datetime import date

from flask import Response, abort, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import has_access, permission_name
from sqlalchemy import func, select

from core.admin.views import SaneaModelView
from core.billing.errors import BillingError
from core.billing.jobs import BILL_GROUP
from core.billing.operations import cancel_bill, rectify_bill
from core.documents.bill import CONSUMPTION_LABELS, render_bill_pdf
from core.domain import billing as b
from core.domain import metering as m
from core.domain.cadastre import Property
from core.extensions import db
from core.services.billing_rules import check_reference_month
from core.services.identifiers import validate_registration
from core.toolkits.jobs import start_job

METERING = "Micromedição"
BILLING = "Faturamento"
READ_ONLY = ["can_list", "can_show", "can_export"]

LABELS = {
    "property": "Imóvel",
    "reference_month": "Referência (AAAAMM)",
    "reference_display": "Referência",
    "version": "Versão",
    "status": "Situação",
    "total": "Total (R$)",
    "due_date": "Vencimento",
    "route": "Rota",
    "billing_group": "Grupo de faturamento",
    "water_m3": "Consumo água (m³)",
    "sewer_m3": "Volume esgoto (m³)",
    "water_value": "Água (R$)",
    "sewer_value": "Esgoto (R$)",
    "debits_value": "Débitos (R$)",
    "credits_value": "Créditos (R$)",
    "consumption_type": "Tipo de consumo",
    "typed_line": "Linha digitável",
    "barcode": "Código de barras",
    "pix_code": "Pix copia e cola",
    "reason": "Motivo",
    "changed_by": "Alterada por",
    "issued_on": "Emissão",
    "inscription": "Inscrição",
    "tariff": "Tarifa",
    "previous_reading": "Leitura anterior",
    "current_reading": "Leitura atual",
    "origin_bill": "Versão anterior",
    "rectified_at": "Retificada em",
    "cancelled_at": "Cancelada em",
    "number": "Número",
    "digits": "Dígitos",
    "brand": "Marca",
    "capacity": "Capacidade",
    "diameter": "Diâmetro",
    "acquired_on": "Aquisição",
    "manufacture_year": "Ano de fabricação",
    "meter": "Hidrômetro",
    "measurement_type": "Medição",
    "installed_on": "Instalado em",
    "install_reading": "Leitura de instalação",
    "removed_on": "Retirado em",
    "removal_reading": "Leitura de retirada",
    "seal": "Lacre",
    "informed_reading": "Leitura informada",
    "informed_date": "Data da leitura",
    "anomaly": "Anormalidade",
    "billed_reading": "Leitura faturada",
    "billed_date": "Data faturada",
    "measured_m3": "Consumo medido (m³)",
    "reader": "Leiturista",
    "informed_consumption_m3": "Consumo informado (m³)",
    "analysis_released": "Liberado da análise",
    "connection_type": "Ligação",
    "billed_m3": "Consumo faturado (m³)",
    "flags": "Ocorrências",
    "average_m3": "Média (m³)",
    "minimum_m3": "Mínimo (m³)",
    "held": "Retido",
    "code": "Código",
    "description": "Descrição",
    "is_default": "Padrão",
    "sewer_percent": "Esgoto (% da água)",
    "active": "Ativa",
    "valid_from": "Vigente desde",
    "category": "Categoria",
    "subcategory": "Subcategoria",
    "minimum_value": "Valor mínimo (R$)",
    "start_m3": "De (m³)",
    "end_m3": "Até (m³)",
    "price_per_m3": "R$ por m³",
    "tariff_category": "Tarifa da categoria",
    "validity": "Vigência",
    "reading_date": "Data de leitura",
    "billing_date": "Data de faturamento",
    "billed_at": "Faturado em",
    "schedule": "Cronograma",
    "debit_type": "Tipo de débito",
    "credit_type": "Tipo de crédito",
    "installments": "Parcelas",
    "installments_billed": "Parcelas cobradas",
    "installments_realised": "Parcelas realizadas",
    "residual": "Saldo a usar (R$)",
    "first_month": "Cobrar a partir de (AAAAMM)",
    "origin": "Origem",
    "label": "Descrição",
    "economies": "Economias",
    "amount": "Valor (R$)",
    "installment_number": "Parcela",
    "volume_m3": "Volume (m³)",
}


def _view(
    model, columns, *, search=None, edit=None, permissions=None, order=None, **extra
):
    """Build a SaneaModelView of ``model`` with the shared labels."""
    attrs = {
        "datamodel": SQLAInterface(model),
        "list_columns": columns,
        "search_columns": search or columns,
        "label_columns": LABELS,
        **extra,
    }
    if edit is not None:
        attrs["add_columns"] = attrs["edit_columns"] = edit
    if permissions is not None:
        attrs["base_permissions"] = permissions
    if order is not None:
        attrs["base_order"] = order
    return type(model.__name__ + "View", (SaneaModelView,), attrs)


MeterView = _view(
    m.Meter,
    ["number", "digits", "brand", "capacity", "diameter", "status"],
    search=["number", "status", "brand"],
    edit=[
        "number",
        "digits",
        "brand",
        "capacity",
        "diameter",
        "acquired_on",
        "manufacture_year",
    ],
)
MeterInstallationView = _view(
    m.MeterInstallation,
    [
        "property",
        "meter",
        "measurement_type",
        "installed_on",
        "install_reading",
        "removed_on",
        "removal_reading",
    ],
    search=["property", "meter", "installed_on", "removed_on"],
    permissions=READ_ONLY,
    order=("installed_on", "desc"),
)
ReadingView = _view(
    m.Reading,
    [
        "property",
        "reference_month",
        "informed_reading",
        "informed_date",
        "anomaly",
        "billed_reading",
        "measured_m3",
        "analysis_released",
    ],
    search=["property", "reference_month", "anomaly", "analysis_released"],
    permissions=READ_ONLY,
    order=("reference_month", "desc"),
)
ConsumptionHistoryView = _view(
    m.ConsumptionHistory,
    [
        "property",
        "reference_month",
        "connection_type",
        "billed_m3",
        "consumption_type",
        "average_m3",
        "flags",
        "held",
    ],
    search=[
        "property",
        "reference_month",
        "connection_type",
        "consumption_type",
        "held",
        "route",
    ],
    permissions=READ_ONLY,
    order=("reference_month", "desc"),
)
TariffView = _view(
    b.Tariff,
    ["code", "description", "is_default", "sewer_percent", "active"],
    edit=["code", "description", "is_default", "sewer_percent", "active"],
)
TariffValidityView = _view(
    b.TariffValidity,
    ["tariff", "valid_from"],
    edit=["tariff", "valid_from"],
    order=("valid_from", "desc"),
)
TariffCategoryView = _view(
    b.TariffCategory,
    ["validity", "category", "subcategory", "minimum_m3", "minimum_value"],
    search=["validity", "category", "subcategory"],
    edit=["validity", "category", "subcategory", "minimum_m3", "minimum_value"],
)
TariffBandView = _view(
    b.TariffBand,
    ["tariff_category", "start_m3", "end_m3", "price_per_m3"],
    search=["tariff_category"],
    edit=["tariff_category", "start_m3", "end_m3", "price_per_m3"],
    order=("start_m3", "asc"),
)
PropertyTariffView = _view(
    b.PropertyTariff, ["property", "tariff"], edit=["property", "tariff"]
)
ScheduleRouteView = _view(
    b.BillingScheduleRoute,
    ["schedule", "route", "due_date"],
    edit=["schedule", "route", "due_date"],
)
PendingDebitView = _view(
    b.PendingDebit,
    [
        "property",
        "debit_type",
        "total",
        "installments",
        "installments_billed",
        "first_month",
        "status",
    ],
    search=["property", "debit_type", "status", "first_month", "origin"],
    edit=[
        "property",
        "debit_type",
        "description",
        "total",
        "installments",
        "first_month",
        "reference_month",
    ],
)
PendingCreditView = _view(
    b.PendingCredit,
    [
        "property",
        "credit_type",
        "total",
        "installments",
        "installments_realised",
        "residual",
        "status",
    ],
    search=["property", "credit_type", "status", "first_month", "origin"],
    edit=[
        "property",
        "credit_type",
        "description",
        "total",
        "installments",
        "first_month",
        "reference_month",
    ],
)
CreditTypeView = _view(
    b.CreditType,
    ["code", "label", "gsan_id", "active"],
    search=["code", "label", "active"],
)
BillCategoryView = _view(
    b.BillCategory,
    [
        "category",
        "subcategory",
        "economies",
        "minimum_m3",
        "water_m3",
        "water_value",
        "sewer_m3",
        "sewer_value",
    ],
    search=["category"],
    permissions=READ_ONLY,
)
BillBandView = _view(
    b.BillBand,
    [
        "category",
        "valid_from",
        "start_m3",
        "end_m3",
        "price_per_m3",
        "volume_m3",
        "water_value",
    ],
    search=["category"],
    permissions=READ_ONLY,
)
BilledDebitView = _view(
    b.BilledDebit,
    ["debit_type", "installment_number", "installments", "amount"],
    search=["debit_type"],
    permissions=READ_ONLY,
)
RealisedCreditView = _view(
    b.RealisedCredit,
    ["credit_type", "installment_number", "amount"],
    search=["credit_type"],
    permissions=READ_ONLY,
)


def _actor() -> str | None:
    return getattr(getattr(g, "user", None), "username", None)


def _reference_month_field(form, field) -> None:
    """Refuse a reference month that does not exist (202613, 12025)."""
    from wtforms.validators import ValidationError

    try:
        check_reference_month(field.data)
    except ValueError as exc:
        raise ValidationError(str(exc)) from exc


class BillingScheduleView(SaneaModelView):
    """The schedules of the billing groups, with a button to bill one."""

    datamodel = SQLAInterface(b.BillingSchedule)
    list_columns = [
        "billing_group",
        "reference_month",
        "reading_date",
        "billing_date",
        "billed_at",
    ]
    search_columns = ["billing_group", "reference_month"]
    add_columns = edit_columns = [
        "billing_group",
        "reference_month",
        "reading_date",
        "billing_date",
    ]
    label_columns = LABELS
    base_order = ("reference_month", "desc")
    related_views = [ScheduleRouteView]
    show_template = "billing/schedule_show.html"
    validators_columns = {"reference_month": [_reference_month_field]}

    def _check_dates(self, item) -> None:
        if item.reading_date and item.billing_date \
                and item.billing_date < item.reading_date:
            raise ValueError(
                "A data de faturamento não pode ser anterior à de leitura.")

    def pre_add(self, item):
        self._check_dates(item)

    def pre_update(self, item):
        self._check_dates(item)

    def pre_delete(self, item):
        billed = db.session.scalar(select(func.count()).select_from(b.Bill).where(
            b.Bill.reference_month == item.reference_month,
            b.Bill.billing_group_id == item.billing_group_id))
        if billed:
            raise ValueError(f"O cronograma de {item} já tem {billed} conta(s) "
                             "faturada(s) e não pode ser excluído.")

    @expose("/bill/<int:pk>", methods=["POST"])
    @has_access
    @permission_name("bill")
    def bill(self, pk: int):
        """Start the billing job of the schedule's group and month."""
        schedule = db.session.get(b.BillingSchedule, pk) or abort(404)
        params = {
            "group_id": schedule.billing_group_id,
            "reference_month": schedule.reference_month,
        }
        try:
            run_id = start_job(BILL_GROUP, params, user=_actor())
        except BillingError as exc:
            for message in exc.errors:
                flash(message, "danger")
        else:
            flash(f"Faturamento iniciado (execução nº {run_id}).", "success")
        return redirect(url_for(f"{self.endpoint}.show", pk=pk))


class BillView(SaneaModelView):
    """The bills: list, detail with lines, second copy, rectify and cancel."""

    datamodel = SQLAInterface(b.Bill)
    list_columns = [
        "property",
        "reference_display",
        "version",
        "status",
        "water_m3",
        "total",
        "due_date",
    ]
    search_columns = [
        "property",
        "reference_month",
        "status",
        "route",
        "billing_group",
        "due_date",
    ]
    show_columns = [
        "property",
        "inscription",
        "reference_display",
        "version",
        "status",
        "consumption_type",
        "previous_reading",
        "current_reading",
        "water_m3",
        "sewer_m3",
        "water_value",
        "sewer_value",
        "debits_value",
        "credits_value",
        "total",
        "issued_on",
        "due_date",
        "typed_line",
        "barcode",
        "pix_code",
        "tariff",
        "origin_bill",
        "reason",
        "changed_by",
        "rectified_at",
        "cancelled_at",
    ]
    label_columns = LABELS
    base_permissions = [
        "can_list",
        "can_show",
        "can_export",
        "can_pdf",
        "can_rectify",
        "can_cancel",
    ]
    base_order = ("reference_month", "desc")
    related_views = [
        BillCategoryView,
        BillBandView,
        BilledDebitView,
        RealisedCreditView,
    ]
    show_template = "billing/bill_show.html"

    @expose("/pdf/<int:pk>")
    @has_access
    @permission_name("pdf")
    def pdf(self, pk: int):
        """Download the bill's second copy."""
        bill = db.session.get(b.Bill, pk) or abort(404)
        body = render_bill_pdf(bill.id)
        name = f"conta_{bill.property.registration}_{bill.reference_month}.pdf"
        return Response(
            body,
            mimetype="application/pdf",
            headers={"Content-Disposition": f'inline; filename="{name}"'},
        )

    @expose("/cancel/<int:pk>", methods=["GET", "POST"])
    @has_access
    @permission_name("cancel")
    def cancel(self, pk: int):
        """Ask for a reason, then cancel the bill."""
        return self._operation(pk, "cancel")

    @expose("/rectify/<int:pk>", methods=["GET", "POST"])
    @has_access
    @permission_name("rectify")
    def rectify(self, pk: int):
        """Ask for the new consumption or due date and a reason, then rectify."""
        return self._operation(pk, "rectify")

    def _operation(self, pk: int, kind: str):
        bill = db.session.get(b.Bill, pk) or abort(404)
        errors: list[str] = []
        if request.method == "POST":
            try:
                target = self._apply(bill, kind, request.form)
            except BillingError as exc:
                db.session.rollback()
                errors = exc.errors
            else:
                db.session.commit()
                flash(
                    "Conta cancelada."
                    if kind == "cancel"
                    else "Conta retificada: nova versão emitida.",
                    "success",
                )
                return redirect(url_for(f"{self.endpoint}.show", pk=target.id))
        html = self.render_template(
            "billing/bill_action.html",
            bill=bill,
            kind=kind,
            errors=errors,
            values=request.form,
        )
        return html, 422 if errors else 200

    @staticmethod
    def _apply(bill: b.Bill, kind: str, form) -> b.Bill:
        reason = form.get("reason", "")
        if kind == "cancel":
            return cancel_bill(bill.id, reason, actor=_actor())
        errors = []
        water_m3 = due = None
        if form.get("water_m3", "").strip():
            try:
                water_m3 = int(form["water_m3"])
            except ValueError:
                errors.append("Consumo deve ser um número inteiro de m³.")
            else:
                if not 0 <= water_m3 <= MAX_RECTIFIED_M3:
                    errors.append(
                        f"Consumo deve estar entre 0 e {MAX_RECTIFIED_M3} m³.")
                    water_m3 = None
        if form.get("due_date", "").strip():
            try:
                day, month, year = (int(x) for x in form["due_date"].split("/"))
            except ValueError:
                errors.append("Vencimento deve estar no formato DD/MM/AAAA.")
            else:
                try:
                    due = date(year, month, day)
                except ValueError:
                    errors.append(f"Vencimento {form['due_date']} não é uma data que "
                                  "exista.")
        if errors:
            raise BillingError(errors)
        return rectify_bill(
            bill.id, reason, water_m3=water_m3, due_date=due, actor=_actor()
        )


MAX_RECTIFIED_M3 = 999_999  # a meter of 6 digits turned round once


class PropertyBillingView(BaseView):
    """One property's bills, readings and consumption history on one page."""

    route_base = "/faturamento-imovel"
    default_view = "show"

    @expose("/")
    @has_access
    @permission_name("show")
    def show(self):
        """Find the property by matrícula and show its billing history."""
        text = request.args.get("matricula", "").strip()
        prop, error = (None, None)
        if text:
            prop, error = _find_property(text)
        data = _property_history(prop) if prop else {}
        html = self.render_template(
            "billing/property.html",
            text=text,
            prop=prop,
            error=error,
            consumption_labels=CONSUMPTION_LABELS,
            **data,
        )
        return html, 404 if error else 200


def _find_property(text: str) -> tuple[Property | None, str | None]:
    digits = text.replace(".", "").replace("-", "")
    if not (digits.isdigit() and validate_registration(digits)):
        return None, f"Matrícula inválida: {text}."
    prop = db.session.scalar(
        select(Property).where(Property.registration == int(digits))
    )
    return (prop, None) if prop else (None, f"Imóvel {text} não encontrado.")


def _property_history(prop: Property) -> dict:
    def rows(model, *order):
        return db.session.scalars(
            select(model).where(model.property_id == prop.id).order_by(*order).limit(36)
        ).all()

    return {
        "bills": rows(b.Bill, b.Bill.reference_month.desc(), b.Bill.version.desc()),
        "readings": rows(m.Reading, m.Reading.reference_month.desc()),
        "history": rows(
            m.ConsumptionHistory,
            m.ConsumptionHistory.reference_month.desc(),
            m.ConsumptionHistory.connection_type.desc(),
        ),
    }


MENUS = [
    (PropertyBillingView, "Faturamento do imóvel", BILLING, "fa-search"),
    (BillView, "Contas", BILLING, "fa-file-text"),
    (BillingScheduleView, "Cronogramas de faturamento", BILLING, "fa-calendar"),
    (TariffView, "Tarifas", BILLING, "fa-usd"),
    (TariffValidityView, "Vigências de tarifa", BILLING, "fa-calendar-check-o"),
    (TariffCategoryView, "Tarifas por categoria", BILLING, "fa-tags"),
    (TariffBandView, "Faixas de consumo", BILLING, "fa-bars"),
    (PropertyTariffView, "Tarifas de imóveis", BILLING, "fa-home"),
    (PendingDebitView, "Débitos a cobrar", BILLING, "fa-minus-circle"),
    (PendingCreditView, "Créditos a realizar", BILLING, "fa-plus-circle"),
    (CreditTypeView, "Tipos de crédito", BILLING, "fa-list"),
    (MeterView, "Hidrômetros", METERING, "fa-tachometer"),
    (MeterInstallationView, "Instalações de hidrômetro", METERING, "fa-wrench"),
    (ReadingView, "Leituras", METERING, "fa-eye"),
    (ConsumptionHistoryView, "Histórico de consumo", METERING, "fa-line-chart"),
]
HIDDEN = [
    (ScheduleRouteView, "Vencimentos por rota"),
    (BillCategoryView, "Água e esgoto por categoria"),
    (BillBandView, "Faixas de consumo da conta"),
    (BilledDebitView, "Débitos cobrados"),
    (RealisedCreditView, "Créditos realizados"),
]


def _titles(view, label: str) -> None:
    view.title = view.list_title = label
    view.show_title = f"Detalhes — {label}"
    view.add_title = f"Incluir — {label}"
    view.edit_title = f"Alterar — {label}"


def register(appbuilder) -> None:
    """Add the metering and billing screens and menus."""
    for view, label in HIDDEN:
        _titles(view, label)
        appbuilder.add_view_no_menu(view)
    for view, label, category, icon in MENUS:
        if issubclass(view, SaneaModelView):
            _titles(view, label)
        appbuilder.add_view(
            view, label, icon=icon, category=category, category_label=category
        )
