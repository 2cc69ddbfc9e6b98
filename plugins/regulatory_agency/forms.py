"""Forms of the regulatory-agency screens, with Portuguese labels.

The forms only parse what was typed; the rules live in the commands.
"""

from __future__ import annotations

from flask_appbuilder.fields import QuerySelectField, QuerySelectMultipleField
from flask_appbuilder.fieldwidgets import (
    BS3TextFieldWidget,
    DatePickerWidget,
    Select2ManyWidget,
    Select2Widget,
)
from flask_appbuilder.forms import DynamicForm
from sqlalchemy import select
from wtforms import BooleanField, DateField, Form, RadioField, SelectField, StringField
from wtforms.validators import Optional

from core.domain.cadastre import Municipality
from core.extensions import db
from plugins.regulatory_agency.models import SPHERES, Regulator
from plugins.regulatory_agency.queries import ACTIVE, CONTAINS, INACTIVE, STARTS_WITH

DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]


class BrDateField(DateField):
    """A date typed as aaaa-mm-dd or dd/mm/aaaa, with a Portuguese error."""

    def __init__(self, label=None, **kwargs):
        kwargs.setdefault("validators", [Optional()])
        kwargs.setdefault("widget", DatePickerWidget())
        super().__init__(label, format=DATE_FORMATS, **kwargs)

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as exc:
            raise ValueError("Data inválida: use dd/mm/aaaa.") from exc


def municipalities():
    """Return every municipality, by name, for the select boxes."""
    return db.session.scalars(select(Municipality).order_by(Municipality.name))


def regulators():
    """Return every agency, by acronym, for the select boxes."""
    return db.session.scalars(select(Regulator).order_by(Regulator.acronym))


def _text(label: str, description: str = "") -> StringField:
    return StringField(label, description=description, widget=BS3TextFieldWidget())


def _date(label: str, description: str = "") -> StringField:
    """A date typed as text: the command parses it and reports a bad one."""
    return StringField(label, description=description, widget=DatePickerWidget())


SPHERE_CHOICES = [("", "Selecione"), *SPHERES.items()]


class AgencyEditForm(DynamicForm):
    """Change an agency (its municipalities have a screen of their own)."""

    name = _text("Nome")
    acronym = _text("Sigla", "Única; gravada em maiúsculas.")
    cnpj = _text("CNPJ", "Com ou sem pontuação; aceita o CNPJ alfanumérico.")
    sphere = SelectField("Esfera", choices=SPHERE_CHOICES, widget=Select2Widget())
    address = _text("Endereço")
    phone = _text("Telefone", "DDD e número.")
    email = _text("E-mail")
    website = _text("Site")
    ombudsman = _text("Ouvidoria", "Telefone, e-mail ou endereço da ouvidoria.")
    transfer_percent = _text(
        "Percentual de repasse (%)",
        "Taxa de regulação sobre a arrecadação: de 0 a 100, até 2 casas decimais.",
    )
    transfer_start_reference = _text(
        "Referência inicial do repasse", "AAAAMM: mês a partir do qual o repasse vale."
    )
    valid_from = _date("Início da vigência", "dd/mm/aaaa ou aaaa-mm-dd.")
    valid_until = _date("Fim da vigência", "Vazio: em aberto.")
    active = BooleanField("Ativa", default=True, description="Indicador de uso.")


class AgencyAddForm(AgencyEditForm):
    """Insert an agency with the municipalities it regulates."""

    municipalities = QuerySelectMultipleField(
        "Municípios regulados",
        query_func=municipalities,
        get_pk_func=lambda item: item.id,
        widget=Select2ManyWidget(),
        description="Cada município recebe a vigência da agência; ajuste-a depois "
        "em Municípios regulados.",
    )


class LinkEditForm(DynamicForm):
    """Change the vigência of a municipality link."""

    valid_from = _date("Início da vigência", "dd/mm/aaaa ou aaaa-mm-dd.")
    valid_until = _date("Fim da vigência", "Vazio: em aberto.")


class LinkAddForm(LinkEditForm):
    """Add a municipality to an agency."""

    regulator = QuerySelectField(
        "Agência", query_func=regulators, get_pk_func=lambda item: item.id,
        allow_blank=True, blank_text="Selecione", widget=Select2Widget(),
    )
    municipality = QuerySelectField(
        "Município", query_func=municipalities, get_pk_func=lambda item: item.id,
        allow_blank=True, blank_text="Selecione", widget=Select2Widget(),
    )
    valid_from = _date("Início da vigência", "Vazio: o início da vigência da agência.")
    valid_until = _date("Fim da vigência", "Vazio: o fim da vigência da agência.")


class FilterForm(Form):
    """The criteria of the filter screen (GET; every field optional).

    Unknown choices select nothing instead of failing: the criteria only
    narrow the list, and WTForms' own choice error is not in Portuguese.
    """

    name = StringField("Nome")
    name_match = RadioField(
        "Tipo de pesquisa",
        choices=[(STARTS_WITH, "Iniciando pelo texto"), (CONTAINS, "Contendo o texto")],
        default=STARTS_WITH, validate_choice=False,
    )
    acronym = StringField("Sigla")
    cnpj = StringField("CNPJ")
    sphere = SelectField("Esfera", choices=[("", "Todas"), *SPHERES.items()],
                         default="", validate_choice=False)
    municipality = SelectField("Município regulado", choices=[], default="",
                               validate_choice=False)
    situation = SelectField(
        "Situação", choices=[("", "Todas"), (ACTIVE, "Ativa"), (INACTIVE, "Inativa")],
        default="", validate_choice=False,
    )
    valid_on = BrDateField("Vigente em", widget=None)
    go_to_update = BooleanField(
        "Atualizar (abre a alteração quando há um só resultado)"
    )
