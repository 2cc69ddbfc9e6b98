"""Admin screens of the regulatory agencies, in Portuguese (UC2099-UC2101).

The screens only turn forms into command inputs and show the outcome;
every rule is in :mod:`plugins.regulatory_agency.commands`.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

from flask import Response, abort, flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import has_access, permission_name
from flask_appbuilder.urltools import (
    get_filter_args,
    get_order_args,
    get_page_args,
    get_page_size_args,
)

from core.admin.export import to_csv, to_xlsx
from core.admin.views import MIME, SaneaModelView
from core.extensions import db
from plugins.regulatory_agency import commands, forms
from plugins.regulatory_agency.models import (
    RegulatedMunicipality,
    Regulator,
    format_date,
)
from plugins.regulatory_agency.queries import AgencyFilter, find_agencies

CATEGORY = "Cadastro"
TEMPLATES = str(Path(__file__).resolve().parent / "templates")
FILTER_PAGE_SIZE = 10

AGENCY_LABELS = {
    "name": "Nome", "acronym": "Sigla", "cnpj": "CNPJ", "cnpj_display": "CNPJ",
    "sphere": "Esfera", "sphere_label": "Esfera", "address": "Endereço",
    "phone": "Telefone", "email": "E-mail", "website": "Site",
    "ombudsman": "Ouvidoria", "transfer_percent": "Percentual de repasse (%)",
    "transfer_start_reference": "Referência inicial do repasse",
    "valid_from": "Início da vigência", "valid_until": "Fim da vigência",
    "period": "Vigência", "active": "Ativa", "situation": "Situação",
    "municipalities": "Municípios regulados",
    "municipality_names": "Municípios regulados",
}
LINK_LABELS = {
    "regulator": "Agência", "municipality": "Município",
    "valid_from": "Início da vigência", "valid_until": "Fim da vigência",
    "period": "Vigência",
}


def _blank(value) -> str:
    return "" if value is None else str(value)


def _percent(value) -> str:
    return "" if value is None else f"{value:.2f}".replace(".", ",")


def _reference(value) -> str:
    return "" if not value else f"{value % 100:02d}/{value // 100}"


def _phone(value) -> str:
    if not value:
        return ""
    return f"({value[:2]}) {value[2:-4]}-{value[-4:]}"


AGENCY_FORMATTERS = {
    "address": _blank, "email": _blank, "website": _blank, "ombudsman": _blank,
    "phone": _phone, "transfer_percent": _percent,
    "transfer_start_reference": _reference,
}


def _flash_errors(error: commands.AgencyError) -> None:
    for message in error.errors:
        flash(message, "danger")


def agency_input(form) -> commands.AgencyInput:
    """Build the command input from a submitted agency form."""
    fields = [name for name in AGENCY_LABELS if hasattr(form, name)]
    values = {name: getattr(form, name).data for name in fields}
    chosen = values.pop("municipalities", None) or []
    links = [commands.LinkInput(municipality.id) for municipality in chosen]
    return commands.AgencyInput(**values, municipalities=links)


class CommandCrudMixin:
    """Run add, edit and delete through commands instead of FAB's datamodel."""

    def run_add(self, form) -> str:
        """Insert from the validated form; return the success message."""
        raise NotImplementedError

    def run_edit(self, item, form) -> str:
        """Change *item* from the validated form; return the success message."""
        raise NotImplementedError

    def run_delete(self, item) -> tuple[str, str]:
        """Remove *item*; return the message and its flash category."""
        raise NotImplementedError

    def _add(self):
        get_filter_args(self._filters, disallow_if_not_in_search=False)
        exclude_cols = self._filters.get_relation_cols()
        form = self.add_form.refresh()
        if request.method != "POST":
            self.update_redirect()
        else:
            self._fill_form_exclude_cols(exclude_cols, form)
            if form.validate() and self._run(self.run_add, form):
                return None
        return self._get_add_widget(form=form, exclude_cols=exclude_cols)

    def _run(self, command, *args) -> bool:
        try:
            message = command(*args)
        except commands.AgencyError as exc:
            db.session.rollback()
            _flash_errors(exc)
            return False
        flash(message, "success")
        return True

    def _edit(self, pk):
        item = self.datamodel.get(pk, self._base_filters) or abort(404)
        if request.method == "POST":
            form = self.edit_form.refresh(request.form)
            if form.validate() and self._run(self.run_edit, item, form):
                return None
        else:
            form = self.edit_form.refresh(obj=item)
            self.prefill_form(form, pk)
            self.update_redirect()
        widgets = self._get_edit_widget(form=form)
        return self._get_related_views_widgets(
            item, orders=get_order_args(), pages=get_page_args(),
            page_sizes=get_page_size_args(), widgets=widgets,
        )

    def _delete(self, pk):
        item = self.datamodel.get(pk, self._base_filters) or abort(404)
        try:
            message, category = self.run_delete(item)
        except commands.AgencyError as exc:
            db.session.rollback()
            _flash_errors(exc)
        else:
            flash(message, category)
        self.update_redirect()


def _titles(view, singular: str, plural: str) -> None:
    view.list_title = plural
    view.show_title = f"Detalhes — {singular}"
    view.add_title = f"Incluir {singular}"
    view.edit_title = f"Alterar {singular}"


class RegulatedMunicipalityView(CommandCrudMixin, SaneaModelView):
    """Municípios regulados: each agency's municipalities and their vigência."""

    datamodel = SQLAInterface(RegulatedMunicipality)
    add_form = forms.LinkAddForm
    edit_form = forms.LinkEditForm
    list_columns = ["regulator", "municipality", "valid_from", "valid_until"]
    show_columns = list_columns
    add_columns = list_columns
    edit_columns = ["valid_from", "valid_until"]
    search_columns = ["regulator", "municipality", "valid_from", "valid_until"]
    export_columns = ["regulator.acronym", "municipality.name", "municipality.state",
                      "valid_from", "valid_until"]
    label_columns = {**LINK_LABELS, "regulator.acronym": "Agência",
                     "municipality.name": "Município", "municipality.state": "UF"}
    formatters_columns = {"valid_from": format_date, "valid_until": format_date}
    base_order = ("valid_from", "asc")

    def run_add(self, form) -> str:
        if form.regulator.data is None or form.municipality.data is None:
            raise commands.AgencyError(["Informe a agência e o município."])
        link = commands.add_municipality(form.regulator.data.id, commands.LinkInput(
            form.municipality.data.id, form.valid_from.data, form.valid_until.data,
        ))
        return f"{link.municipality} incluído na agência {link.regulator.acronym}."

    def run_edit(self, item, form) -> str:
        link = commands.update_municipality(
            item.id, form.valid_from.data, form.valid_until.data
        )
        return f"Vigência de {link.municipality} alterada: {link.period()}."

    def run_delete(self, item) -> tuple[str, str]:
        return commands.remove_municipality(item.id), "success"


class RegulatorView(CommandCrudMixin, SaneaModelView):
    """Agências de regulação: insert (UC2099) and maintain (UC2100)."""

    datamodel = SQLAInterface(Regulator)
    add_form = forms.AgencyAddForm
    edit_form = forms.AgencyEditForm
    related_views = [RegulatedMunicipalityView]
    list_columns = ["acronym", "name", "sphere_label", "cnpj_display", "period",
                    "situation"]
    edit_columns = ["name", "acronym", "cnpj", "sphere", "address", "phone", "email",
                    "website", "ombudsman", "transfer_percent",
                    "transfer_start_reference", "valid_from", "valid_until", "active"]
    add_columns = [*edit_columns, "municipalities"]
    show_columns = ["acronym", "name", "cnpj_display", "sphere_label", "address",
                    "phone", "email", "website", "ombudsman", "transfer_percent",
                    "transfer_start_reference", "period", "situation"]
    search_columns = ["name", "acronym", "cnpj", "sphere", "active"]
    export_columns = ["acronym", "name", "cnpj_display", "sphere_label", "address",
                      "phone", "email", "website", "ombudsman", "transfer_percent",
                      "transfer_start_reference", "valid_from", "valid_until",
                      "situation", "municipality_names"]
    label_columns = AGENCY_LABELS
    formatters_columns = AGENCY_FORMATTERS
    order_columns = ["acronym", "name"]
    base_order = ("acronym", "asc")

    def prefill_form(self, form, pk):
        if form.transfer_percent.data is not None:
            form.transfer_percent.data = str(form.transfer_percent.data).replace(
                ".", ","
            )

    def run_add(self, form) -> str:
        agency = commands.insert_agency(agency_input(form))
        return f"Agência {agency.acronym} incluída."

    def run_edit(self, item, form) -> str:
        agency = commands.update_agency(item.id, agency_input(form))
        return f"Agência {agency.acronym} alterada."

    def run_delete(self, item) -> tuple[str, str]:
        result = commands.remove_agency(item.id)
        return result.message, "success" if result.deleted else "warning"


def _criteria(form) -> AgencyFilter:
    return AgencyFilter(
        name=form.name.data or "", name_match=form.name_match.data,
        acronym=form.acronym.data or "", cnpj=form.cnpj.data or "",
        sphere=form.sphere.data or "",
        municipality_id=int(form.municipality.data) if form.municipality.data
        else None,
        situation=form.situation.data or "", valid_on=form.valid_on.data,
    )


def _filter_form():
    form = forms.FilterForm(request.args)
    form.municipality.choices = [("", "Todos")] + [
        (str(item.id), str(item)) for item in forms.municipalities()
    ]
    return form


def _valid_municipality(form) -> bool:
    value = form.municipality.data or ""
    if value and not value.isdigit():
        form.municipality.errors = ["Município inválido."]
        return False
    return True


class RegulatorFilterView(BaseView):
    """Filtrar agências de regulação (UC2101), with XLSX/CSV export."""

    route_base = "/regulatorfilterview"
    default_view = "search"
    template_folder = TEMPLATES
    export_headers = ["Sigla", "Nome", "CNPJ", "Esfera", "Situação",
                      "Início da vigência", "Fim da vigência", "Municípios regulados"]

    def _results(self, form, page_size):
        page = max(int(request.args.get("page", 0) or 0), 0)
        total, rows = find_agencies(db.session, _criteria(form), page, page_size)
        return page, total, rows

    @expose("/", methods=["GET"])
    @has_access
    def search(self):
        """Show the filter form and, when criteria were sent, the agencies found."""
        form = _filter_form()
        searched = bool(request.args)
        page, total, rows = 0, 0, []
        if searched and form.validate() and _valid_municipality(form):
            page, total, rows = self._results(form, FILTER_PAGE_SIZE)
            if total == 1 and form.go_to_update.data:
                return redirect(url_for("RegulatorView.edit", pk=rows[0].id))
        self.update_redirect()
        return self.render_template(
            "regulatory_agency/filter.html", form=form, searched=searched,
            rows=rows, total=total, page=page, page_size=FILTER_PAGE_SIZE,
            query=urlencode([(k, v) for k, v in request.args.items(multi=True)
                             if k != "page"]),
            title="Filtrar agências de regulação",
        )

    @expose("/export/<fmt>", methods=["GET"])
    @has_access
    @permission_name("export")
    def export(self, fmt: str):
        """Download the agencies the criteria select, as XLSX or CSV."""
        if fmt not in MIME:
            abort(404)
        form = _filter_form()
        if not (form.validate() and _valid_municipality(form)):
            abort(400)
        _, _, rows = self._results(form, None)
        lines = ([row.acronym, row.name, row.cnpj_display(), row.sphere_label(),
                  row.situation(), row.valid_from, row.valid_until,
                  row.municipality_names()] for row in rows)
        if fmt == "csv":
            body = to_csv(self.export_headers, lines)
        else:
            body = to_xlsx("Agências de regulação", self.export_headers, lines)
        disposition = f'attachment; filename="agencias_regulacao.{fmt}"'
        return Response(body, mimetype=MIME[fmt],
                        headers={"Content-Disposition": disposition})


def register(appbuilder) -> None:
    """Add the agency screens and their menu entries."""
    _titles(RegulatedMunicipalityView, "município regulado", "Municípios regulados")
    _titles(RegulatorView, "agência de regulação", "Agências de regulação")
    for view in (RegulatedMunicipalityView, RegulatorView):
        view.add_row_message = "Registro incluído."
        view.edit_row_message = "Registro alterado."
        view.delete_row_message = "Registro excluído."
    appbuilder.add_view(
        RegulatedMunicipalityView, "Municípios regulados", icon="fa-map-marker",
        category=CATEGORY, category_label=CATEGORY,
    )
    appbuilder.add_view(
        RegulatorView, "Agências de regulação", icon="fa-balance-scale",
        category=CATEGORY, category_label=CATEGORY,
    )
    appbuilder.add_view(
        RegulatorFilterView, "Filtrar agências de regulação", icon="fa-filter",
        category=CATEGORY, category_label=CATEGORY,
    )
