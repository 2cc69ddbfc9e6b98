"""Admin screens of customer access: portal logins, identifications, codes.

Hashes (passwords, documents, codes) are never listed; a profile with
``can_block`` on the logins screen (the administrator has it) can block or
reactivate a login. Times are stored and shown in UTC.
"""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_appbuilder.actions import action
from flask_appbuilder.models.sqla.interface import SQLAInterface

from core.admin.views import SaneaModelView
from core.extensions import db
from plugins.customer_access.models import Identification, PortalLogin

CATEGORY = "Atendimento digital"


def _blank(value):
    """Show an empty cell for a missing value (FAB would print "None")."""
    return "" if value is None else value


def _utc(moment):
    """Show a stored (UTC) instant to the second; FAB prints microseconds."""
    return "" if moment is None else f"{moment:%d/%m/%Y %H:%M:%S}"


class PortalLoginView(SaneaModelView):
    datamodel = SQLAInterface(PortalLogin)
    list_title = show_title = "Logins de clientes"
    add_title = edit_title = "Login de cliente"
    base_permissions = ["can_list", "can_show", "can_block"]
    # FAB guards an action by this mapping, else by a permission named after
    # the action ("block", "activate"): both actions need ``can_block``.
    method_permission_name = {"block": "block", "activate": "block"}
    list_columns = ["customer", "document", "email", "email_confirmed", "status",
                    "created_at", "password_changed_at"]
    show_columns = [*list_columns, "property", "birth_date", "mobile"]
    add_columns = edit_columns = ["status"]  # read-only screen: no add or edit
    search_columns = ["document", "email", "status"]
    base_order = ("created_at", "desc")
    formatters_columns = {
        "created_at": _utc, "password_changed_at": _utc, "email": _blank,
        "email_confirmed": lambda value: "Sim" if value else "Não",
        "property": _blank, "mobile": _blank,
        "birth_date": lambda day: "" if day is None else f"{day:%d/%m/%Y}",
    }
    label_columns = {
        "customer": "Cliente", "document": "CPF/CNPJ", "email": "E-mail",
        "email_confirmed": "E-mail confirmado", "status": "Situação",
        "created_at": "Criado em (UTC)",
        "password_changed_at": "Senha alterada em (UTC)",
        "property": "Imóvel do primeiro acesso", "birth_date": "Nascimento",
        "mobile": "Celular",
    }

    def _set_status(self, items, status: str, message: str):
        items = items if isinstance(items, list) else [items]
        for item in items:
            item.status = status
        db.session.commit()
        flash(message.format(len(items)), "success")
        # FAB's get_redirect skips the list the action ran on: go back to it.
        return redirect(url_for(f"{self.endpoint}.list"))

    @action("block", "Bloquear", "Bloquear os logins selecionados?", "fa-lock")
    def block(self, items):
        """Block the selected logins."""
        return self._set_status(items, "BLOQUEADO", "{} login(s) bloqueado(s).")

    @action("activate", "Reativar", "Reativar os logins selecionados?", "fa-unlock")
    def activate(self, items):
        """Reactivate the selected logins."""
        return self._set_status(items, "ATIVO", "{} login(s) reativado(s).")


class IdentificationView(SaneaModelView):
    datamodel = SQLAInterface(Identification)
    list_title = show_title = "Identificações de clientes"
    add_title = edit_title = "Identificação de cliente"
    base_permissions = ["can_list", "can_show"]
    list_columns = ["created_at", "partner", "document_kind", "factors_passed",
                    "failures", "locked_until", "expires_at"]
    show_columns = add_columns = edit_columns = list_columns
    search_columns = ["partner", "document_kind", "created_at"]
    base_order = ("created_at", "desc")
    formatters_columns = {"created_at": _utc, "locked_until": _utc, "expires_at": _utc}
    label_columns = {
        "created_at": "Criada em (UTC)", "partner": "Parceiro",
        "document_kind": "Documento", "factors_passed": "Fatores provados",
        "failures": "Falhas", "locked_until": "Bloqueada até (UTC)",
        "expires_at": "Expira em (UTC)",
    }


def register(appbuilder) -> None:
    """Add the screens and menus."""
    appbuilder.add_view(PortalLoginView, "Logins de clientes", icon="fa-user-circle",
                        category=CATEGORY, category_label=CATEGORY)
    appbuilder.add_view(IdentificationView, "Identificações", icon="fa-id-card",
                        category=CATEGORY, category_label=CATEGORY)
