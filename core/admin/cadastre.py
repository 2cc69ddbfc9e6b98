"""Admin screens of the cadastre, in Portuguese."""

from __future__ import annotations

import re

from flask import request
from flask_appbuilder.models.sqla.interface import SQLAInterface
from sqlalchemy import func
from wtforms.validators import ValidationError

from core.admin.validators import CpfCnpj
from core.admin.views import SaneaModelView
from core.clock import today
from core.domain import cadastre as m
from core.domain import reference as r
from core.extensions import db
from core.services.identifiers import make_registration

CATEGORY = "Cadastro"
REFERENCE = "Tabelas de referência"


def _titles(view, singular: str, plural: str):
    view.list_title = plural
    view.show_title = f"Detalhes — {singular}"
    view.add_title = f"Incluir {singular}"
    view.edit_title = f"Alterar {singular}"
    return view


class MunicipalityView(SaneaModelView):
    datamodel = SQLAInterface(m.Municipality)
    list_columns = ["name", "state", "ibge_code", "gsan_id"]
    search_columns = ["name", "state", "ibge_code"]
    label_columns = {"name": "Nome", "state": "UF", "ibge_code": "Código IBGE",
                     "gsan_id": "Id GSAN"}
    base_order = ("name", "asc")


class RegionalOfficeView(SaneaModelView):
    datamodel = SQLAInterface(m.RegionalOffice)
    list_columns = ["name", "short_name", "gsan_id"]
    search_columns = ["name"]
    label_columns = {"name": "Nome", "short_name": "Sigla", "gsan_id": "Id GSAN"}


class BusinessUnitView(SaneaModelView):
    datamodel = SQLAInterface(m.BusinessUnit)
    list_columns = ["name", "short_name", "regional_office", "gsan_id"]
    search_columns = ["name", "regional_office"]
    label_columns = {"name": "Nome", "short_name": "Sigla",
                     "regional_office": "Gerência regional", "gsan_id": "Id GSAN"}


class LocalityView(SaneaModelView):
    datamodel = SQLAInterface(m.Locality)
    list_columns = ["code", "name", "business_unit", "municipality"]
    search_columns = ["code", "name", "business_unit", "regional_office", "municipality"]
    label_columns = {"code": "Código", "name": "Nome", "business_unit": "Unidade de negócio",
                     "regional_office": "Gerência regional", "municipality": "Município",
                     "gsan_id": "Id GSAN"}
    base_order = ("code", "asc")


class SectorView(SaneaModelView):
    datamodel = SQLAInterface(m.Sector)
    list_columns = ["locality", "code", "name", "municipality"]
    search_columns = ["locality", "code", "name"]
    label_columns = {"locality": "Localidade", "code": "Código", "name": "Nome",
                     "municipality": "Município", "gsan_id": "Id GSAN"}


class BillingGroupView(SaneaModelView):
    datamodel = SQLAInterface(m.BillingGroup)
    list_columns = ["description", "reference_month", "due_day", "active"]
    search_columns = ["description", "active"]
    label_columns = {"description": "Descrição", "reference_month": "Referência (AAAAMM)",
                     "due_day": "Dia de vencimento", "active": "Ativo", "gsan_id": "Id GSAN"}


class RouteView(SaneaModelView):
    datamodel = SQLAInterface(m.Route)
    list_columns = ["sector", "code", "billing_group"]
    search_columns = ["sector", "code", "billing_group"]
    label_columns = {"sector": "Setor comercial", "code": "Código",
                     "billing_group": "Grupo de faturamento", "gsan_id": "Id GSAN"}


class BlockView(SaneaModelView):
    datamodel = SQLAInterface(m.Block)
    list_columns = ["sector", "number", "route", "has_water_network", "has_sewer_network"]
    search_columns = ["sector", "number", "route"]
    label_columns = {"sector": "Setor comercial", "number": "Número", "route": "Rota",
                     "has_water_network": "Rede de água", "has_sewer_network": "Rede de esgoto",
                     "gsan_id": "Id GSAN"}


EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _check_unique_document(form, field):
    if not field.data:
        return
    query = db.session.query(m.Customer.id).filter_by(cpf_cnpj=field.data)
    pk = request.view_args.get("pk") if request.view_args else None
    if pk is not None:
        query = query.filter(m.Customer.id != int(pk))
    if query.first():
        raise ValidationError("Já existe um cliente com este CPF/CNPJ.")


def _check_birth_date(form, field):
    if field.data and field.data > today():
        raise ValidationError("A data de nascimento não pode ser futura.")


def _check_email(form, field):
    if field.data and not EMAIL.match(field.data.strip()):
        raise ValidationError("Informe um e-mail válido (nome@dominio.com.br).")


class CustomerView(SaneaModelView):
    datamodel = SQLAInterface(m.Customer)
    list_columns = ["code", "name", "person_type", "cpf_cnpj", "email"]
    search_columns = ["code", "name", "cpf_cnpj", "email", "person_type"]
    label_columns = {"code": "Código", "name": "Nome", "person_type": "Tipo (F/J)",
                     "cpf_cnpj": "CPF/CNPJ", "birth_date": "Data de nascimento",
                     "email": "E-mail", "phone": "Telefone"}
    add_columns = ["name", "cpf_cnpj", "birth_date", "email", "phone"]
    edit_columns = add_columns
    validators_columns = {
        "cpf_cnpj": [CpfCnpj(), _check_unique_document],
        "birth_date": [_check_birth_date], "email": [_check_email],
    }
    description_columns = {
        "cpf_cnpj": "O tipo de pessoa (F/J) segue o documento: CPF ou CNPJ.",
    }

    def pre_add(self, item):
        item.person_type = "J" if item.cpf_cnpj and len(item.cpf_cnpj) == 14 else "F"
        item.code = make_registration(_next_base(m.Customer.code))

    def pre_update(self, item):
        item.person_type = "J" if item.cpf_cnpj and len(item.cpf_cnpj) == 14 else "F"


def _next_base(column) -> int:
    """Return the next sequence (the code without its check digit)."""
    highest = db.session.query(func.max(column)).scalar() or 0
    return highest // 10 + 1


def _check_block(form, field):
    sector, block = form.sector.data, field.data
    if sector and block and block.sector_id != sector.id:
        raise ValidationError("A quadra não pertence ao setor comercial informado.")


def _check_sector(form, field):
    locality, sector = form.locality.data, field.data
    if locality and sector and sector.locality_id != locality.id:
        raise ValidationError("O setor comercial não pertence à localidade informada.")


def _range(label: str, low: int, high: int):
    def check(form, field):
        if field.data is None:
            return
        if not low <= field.data <= high:
            raise ValidationError(f"{label} deve estar entre {low} e {high}.")
    return check


def _check_unique_inscription(form, field):
    """Refuse a second property at the same locality.sector.block.lot.sublot."""
    block, sublot = form.block.data, form.sublot.data or 0
    if block is None or field.data is None:
        return
    query = db.session.query(m.Property.id).filter_by(
        block_id=block.id, lot=field.data, sublot=sublot)
    pk = request.view_args.get("pk") if request.view_args else None
    if pk is not None:
        query = query.filter(m.Property.id != int(pk))
    if query.first():
        raise ValidationError(
            "Já existe um imóvel com esta inscrição (quadra, lote e sublote).")


def _check_zip(form, field):
    if field.data and not (field.data.isdigit() and len(field.data) == 8):
        raise ValidationError("O CEP deve ter 8 dígitos, sem traço.")


class PropertyView(SaneaModelView):
    datamodel = SQLAInterface(m.Property)
    list_columns = ["registration_display", "inscription", "locality", "sector",
                    "street", "number", "water_situation", "sewer_situation"]
    export_columns = ["registration", "inscription", "locality.name", "sector.code",
                      "block.number", "lot", "sublot", "street", "number", "district",
                      "water_situation.label", "sewer_situation.label"]
    search_columns = ["registration", "locality", "sector", "block", "water_situation",
                      "sewer_situation", "street", "district"]
    add_columns = ["locality", "sector", "block", "lot", "sublot", "street", "number",
                   "complement", "district", "zip_code", "water_situation",
                   "sewer_situation", "route_sequence"]
    edit_columns = add_columns
    show_columns = ["registration_display", "inscription", *add_columns]
    label_columns = {
        "registration": "Matrícula", "registration_display": "Matrícula",
        "inscription": "Inscrição", "locality": "Localidade",
        "locality.name": "Localidade", "sector": "Setor comercial",
        "sector.code": "Setor", "block": "Quadra", "block.number": "Quadra",
        "lot": "Lote", "sublot": "Sublote", "street": "Logradouro",
        "number": "Número", "complement": "Complemento", "district": "Bairro",
        "zip_code": "CEP", "water_situation": "Situação da água",
        "water_situation.label": "Situação da água",
        "sewer_situation": "Situação do esgoto",
        "sewer_situation.label": "Situação do esgoto",
        "route_sequence": "Sequência na rota",
    }
    validators_columns = {
        "block": [_check_block], "sector": [_check_sector],
        "lot": [_range("O lote", 0, 9999), _check_unique_inscription],
        "sublot": [_range("O sublote", 0, 999)], "zip_code": [_check_zip],
        "route_sequence": [_range("A sequência na rota", 0, 999999)],
    }
    base_order = ("registration", "asc")

    def pre_add(self, item):
        item.registration = make_registration(_next_base(m.Property.registration))


class CustomerPropertyView(SaneaModelView):
    datamodel = SQLAInterface(m.CustomerProperty)
    list_columns = ["customer", "property", "relation", "start_date", "end_date"]
    search_columns = ["customer", "property", "relation", "start_date", "end_date"]
    label_columns = {"customer": "Cliente", "property": "Imóvel", "relation": "Relação",
                     "start_date": "Início", "end_date": "Fim",
                     "name_on_bill": "Nome na conta"}


def _reference_view(model, extra=()):
    columns = ["code", "label", *extra, "gsan_id", "active"]
    labels = {"code": "Código", "label": "Descrição", "gsan_id": "Id GSAN",
              "active": "Ativo", "category": "Categoria", "bills": "Fatura",
              "rule_with_reading": "Regra com leitura",
              "rule_without_reading": "Regra sem leitura",
              "needs_review": "Revisar", "request_type": "Tipo de solicitação",
              "deadline_days": "Prazo (dias)", "abbreviation": "Sigla"}
    return type(model.__name__ + "View", (SaneaModelView,), {
        "datamodel": SQLAInterface(model), "list_columns": columns,
        "search_columns": ["code", "label", "active"], "label_columns": labels,
    })


VIEWS = [
    (PropertyView, "Imóveis", CATEGORY, "fa-home"),
    (CustomerView, "Clientes", CATEGORY, "fa-user"),
    (CustomerPropertyView, "Clientes dos imóveis", CATEGORY, "fa-link"),
    (LocalityView, "Localidades", CATEGORY, "fa-map"),
    (SectorView, "Setores comerciais", CATEGORY, "fa-map-o"),
    (BlockView, "Quadras", CATEGORY, "fa-th"),
    (RouteView, "Rotas", CATEGORY, "fa-road"),
    (BillingGroupView, "Grupos de faturamento", CATEGORY, "fa-calendar"),
    (MunicipalityView, "Municípios", CATEGORY, "fa-building"),
    (RegionalOfficeView, "Gerências regionais", CATEGORY, "fa-sitemap"),
    (BusinessUnitView, "Unidades de negócio", CATEGORY, "fa-sitemap"),
    (_reference_view(r.WaterSituation, ["bills"]), "Situações de água", REFERENCE, "fa-tint"),
    (_reference_view(r.SewerSituation, ["bills"]), "Situações de esgoto", REFERENCE,
     "fa-tint"),
    (_reference_view(r.Category, ["abbreviation"]), "Categorias", REFERENCE, "fa-tags"),
    (_reference_view(r.Subcategory, ["category"]), "Subcategorias", REFERENCE, "fa-tag"),
    (_reference_view(r.ReadingAnomaly, ["rule_with_reading", "rule_without_reading",
                                        "needs_review"]),
     "Anormalidades de leitura", REFERENCE, "fa-exclamation-triangle"),
    (_reference_view(r.DebitType), "Tipos de débito", REFERENCE, "fa-money"),
    (_reference_view(r.MeterBrand, ["abbreviation"]), "Marcas de hidrômetro", REFERENCE,
     "fa-tachometer"),
    (_reference_view(r.MeterDiameter), "Diâmetros de hidrômetro", REFERENCE,
     "fa-tachometer"),
    (_reference_view(r.MeterCapacity), "Capacidades de hidrômetro", REFERENCE,
     "fa-tachometer"),
    (_reference_view(r.RequestType), "Tipos de solicitação", REFERENCE, "fa-comments"),
    (_reference_view(r.RequestSpecification, ["request_type", "deadline_days"]),
     "Especificações de solicitação", REFERENCE, "fa-comments"),
]


SINGULAR = {
    "Imóveis": "imóvel", "Clientes": "cliente", "Clientes dos imóveis": "cliente do imóvel",
    "Localidades": "localidade", "Setores comerciais": "setor comercial",
    "Quadras": "quadra", "Rotas": "rota", "Grupos de faturamento": "grupo de faturamento",
    "Municípios": "município", "Gerências regionais": "gerência regional",
    "Unidades de negócio": "unidade de negócio",
}


def register(appbuilder) -> None:
    """Add the cadastre screens and menus."""
    for view, label, category, icon in VIEWS:
        _titles(view, SINGULAR.get(label, label.lower()), label)
        appbuilder.add_view(view, label, icon=icon, category=category,
                            category_label=category)
