"""Admin screens of the system: parameters, audit trail and job runs."""

from __future__ import annotations

from flask import current_app, request
from markupsafe import Markup, escape
from flask_appbuilder.models.sqla.interface import SQLAInterface
from wtforms import StringField
from wtforms.validators import InputRequired, ValidationError

from core.admin.views import SaneaModelView
from core.domain.audit import AuditLog
from core.domain.parameters import InvalidParameterValue, Parameter, check_value
from core.extensions import db
from core.toolkits.jobs import JobRun

CATEGORY = "Sistema"


def _describe_field(field, row) -> None:
    """Name the edited parameter on its field, with its help and type."""
    field.label.text = f"{row.label} ({row.plugin}.{row.key})"
    kind = row.value_type + (f": {row.choices}" if row.choices else "")
    field.description = f"{row.help} Tipo: {kind}."


def _check_value(field) -> None:
    """Refuse a value that does not fit the edited parameter's type."""
    row = db.session.get(Parameter, request.view_args.get("pk"))
    if row is None:
        return
    _describe_field(field, row)  # the form may come back with a message
    from core.setup import parameter_specs

    specs = {(s.plugin, s.key): s for s in parameter_specs(current_app)}
    choices = tuple(c for c in row.choices.split(",") if c)
    try:
        check_value(specs.get((row.plugin, row.key)), row.value_type, field.data,
                    choices)
    except InvalidParameterValue as exc:
        raise ValidationError(str(exc)) from exc
    field.data = (field.data or "").strip()


class ParameterView(SaneaModelView):
    datamodel = SQLAInterface(Parameter)
    list_title = "Parâmetros"
    edit_title = "Alterar parâmetro"
    show_title = "Parâmetro"
    list_columns = ["plugin", "key", "label", "value", "value_type", "updated_at"]
    search_columns = ["plugin", "key", "label"]
    edit_columns = ["value"]
    show_columns = ["plugin", "key", "label", "value", "value_type", "choices", "help",
                    "updated_at"]
    label_columns = {"plugin": "Módulo", "key": "Chave", "label": "Descrição",
                     "value": "Valor", "value_type": "Tipo", "choices": "Opções",
                     "help": "Ajuda", "updated_at": "Alterado em"}
    base_permissions = ["can_list", "can_show", "can_edit", "can_export"]

    # Our own field: FAB would mark the nullable column Optional() and skip
    # the check on an empty value.
    def prefill_form(self, form, pk):
        """Say which parameter is being edited, with its help, above the field."""
        row = db.session.get(Parameter, pk)
        if row is not None:
            self._describe(form, row)

    @staticmethod
    def _describe(form, row) -> None:
        _describe_field(form.value, row)

    edit_form_extra_fields = {"value": StringField("Valor", validators=[
        InputRequired("Informe um valor: este parâmetro é obrigatório."),
        lambda form, field: _check_value(field),
    ])}


class AuditLogView(SaneaModelView):
    datamodel = SQLAInterface(AuditLog)
    list_title = "Trilha de auditoria"
    show_title = "Alteração"
    list_columns = ["at", "user", "table_name", "row_id", "action_label",
                    "changes_text"]
    show_columns = list_columns
    search_columns = ["at", "user", "table_name", "row_id", "action"]
    label_columns = {"at": "Quando", "user": "Usuário", "table_name": "Tabela",
                     "row_id": "Registro", "action": "Operação",
                     "action_label": "Operação", "changes_text": "Alterações"}
    # One change a line, "coluna: antes → depois", instead of the stored JSON.
    formatters_columns = {
        "changes_text": lambda text: Markup(
            "<br>".join(escape(line) for line in text.splitlines())),
        "user": lambda user: user or "(sistema)",  # a job, a command, the setup
    }
    base_permissions = ["can_list", "can_show", "can_export"]
    base_order = ("at", "desc")


class JobRunView(SaneaModelView):
    datamodel = SQLAInterface(JobRun)
    list_title = "Execuções de rotinas"
    show_title = "Execução"
    list_columns = ["id", "title", "status", "progress", "mode", "user", "started_at",
                    "finished_at", "duration_seconds"]
    show_columns = ["id", "name", "title", "params", "status", "progress", "mode", "user",
                    "created_at", "started_at", "finished_at", "duration_seconds",
                    "counts", "errors", "message"]
    search_columns = ["name", "title", "status", "user", "created_at"]
    label_columns = {"id": "Nº", "name": "Rotina", "title": "Descrição", "params": "Parâmetros",
                     "status": "Situação", "progress": "Progresso", "mode": "Execução",
                     "user": "Usuário", "created_at": "Criada em", "started_at": "Início",
                     "finished_at": "Fim", "duration_seconds": "Duração (s)",
                     "counts": "Contagens", "errors": "Erros de negócio",
                     "message": "Mensagem"}
    base_permissions = ["can_list", "can_show", "can_export"]
    base_order = ("id", "desc")


def register(appbuilder) -> None:
    """Add the system screens and menus."""
    appbuilder.add_view(ParameterView, "Parâmetros", icon="fa-sliders",
                        category=CATEGORY, category_label=CATEGORY)
    appbuilder.add_view(AuditLogView, "Trilha de auditoria", icon="fa-history",
                        category=CATEGORY, category_label=CATEGORY)
    appbuilder.add_view(JobRunView, "Execuções de rotinas", icon="fa-cogs",
                        category=CATEGORY, category_label=CATEGORY)
