"""Admin screens of self-reading: adhesions, readings (with the photo), invitations.

Readings held for analysis are accepted or rejected here (the accepted
ones reach billing through ``self_reading.apply_readings``); invitations
are sent from a form that starts ``self_reading.send_invitations``, whose
runs appear in Sistema › Execuções de rotinas.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Response,
    abort,
    flash,
    redirect,
    render_template_string,
    request,
    url_for,
)
from flask_appbuilder import BaseView, expose
from flask_appbuilder.actions import action
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import has_access, permission_name
from flask_login import current_user
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import BooleanField, IntegerField, StringField, ValidationError
from wtforms.validators import NumberRange, Optional

from core.admin.views import SaneaModelView
from core.extensions import db
from core.storage import StoredFile, get_storage
from core.toolkits.jobs import JobError, start_job
from plugins.self_reading.commands import ReviewError, review
from plugins.self_reading.jobs import INVITE
from plugins.self_reading.models import Adhesion, Invitation, SelfReading

CATEGORY = "Autoleitura"


def _blank(value):
    """Show an empty cell for a missing value (FAB would print "None")."""
    return "" if value is None else value


def _utc(moment):
    """Show a stored (UTC) instant to the second; FAB prints microseconds."""
    return "" if moment is None else f"{moment:%d/%m/%Y %H:%M:%S}"


def _formats(times: tuple[str, ...] = (), blanks: tuple[str, ...] = ()) -> dict:
    return {**dict.fromkeys(times, _utc), **dict.fromkeys(blanks, _blank)}


class AdhesionView(SaneaModelView):
    datamodel = SQLAInterface(Adhesion)
    list_title = show_title = "Adesões à autoleitura"
    add_title = edit_title = "Adesão à autoleitura"
    base_permissions = ["can_list", "can_show", "can_export"]
    list_columns = [
        "property",
        "customer",
        "status",
        "channel",
        "joined_at",
        "cancelled_at",
        "cancel_reason",
    ]
    show_columns = [*list_columns, "cancel_note", "contact_email", "contact_phone"]
    add_columns = edit_columns = list_columns
    search_columns = ["status", "channel", "cancel_reason", "joined_at"]
    base_order = ("joined_at", "desc")
    formatters_columns = _formats(
        times=("joined_at", "cancelled_at"),
        blanks=("cancel_reason", "cancel_note", "contact_email", "contact_phone"),
    )
    label_columns = {
        "property": "Imóvel",
        "customer": "Cliente",
        "status": "Situação",
        "channel": "Canal",
        "joined_at": "Aderiu em (UTC)",
        "cancelled_at": "Cancelada em (UTC)",
        "cancel_reason": "Motivo do cancelamento",
        "cancel_note": "Observação",
        "contact_email": "E-mail de contato",
        "contact_phone": "Telefone de contato",
    }


def _photo_tag(photo) -> Markup:
    if photo is None:
        return Markup("<em>sem foto</em>")
    url = url_for("SelfReadingView.photo", pk=photo.id)
    return Markup(
        '<a href="{0}"><img src="{0}" alt="Foto do hidrômetro" '
        'style="max-width: 320px"></a>'
    ).format(url)


class SelfReadingView(SaneaModelView):
    datamodel = SQLAInterface(SelfReading)
    list_title = show_title = "Autoleituras recebidas"
    add_title = edit_title = "Autoleitura"
    base_permissions = ["can_list", "can_show", "can_export", "can_review"]
    # FAB guards an action by this mapping (``@permission_name`` does not apply
    # to actions): both need ``can_review``, not a permission of their own.
    method_permission_name = {"accept": "review", "reject": "review"}
    list_columns = [
        "protocol",
        "property",
        "reference_month",
        "value",
        "consumption_m3",
        "classification",
        "status",
        "informed_at",
    ]
    show_columns = [
        *list_columns,
        "previous_reading",
        "range_low",
        "range_high",
        "channel",
        "photo",
        "reviewed_by",
        "reviewed_at",
        "review_note",
    ]
    add_columns = edit_columns = list_columns
    search_columns = [
        "protocol",
        "reference_month",
        "classification",
        "status",
        "informed_at",
    ]
    base_order = ("informed_at", "desc")
    formatters_columns = {
        "photo": _photo_tag,
        **_formats(
            times=("informed_at", "reviewed_at"),
            blanks=("consumption_m3", "reviewed_by", "review_note"),
        ),
    }
    label_columns = {
        "protocol": "Protocolo",
        "property": "Imóvel",
        "reference_month": "Referência (AAAAMM)",
        "value": "Leitura",
        "consumption_m3": "Consumo (m³)",
        "classification": "Classificação",
        "status": "Situação",
        "informed_at": "Informada em (UTC)",
        "previous_reading": "Leitura anterior",
        "range_low": "Faixa esperada de",
        "range_high": "Faixa esperada até",
        "channel": "Canal",
        "photo": "Foto",
        "reviewed_by": "Analisada por",
        "reviewed_at": "Analisada em (UTC)",
        "review_note": "Observação da análise",
    }

    @expose("/foto/<int:pk>")
    @has_access
    @permission_name("show")
    def photo(self, pk: int):
        """Send the photo of a reading."""
        row = db.session.get(StoredFile, pk)
        if row is None or row.origin_table != "self_reading_photo":
            abort(404)
        return Response(
            get_storage().read(row),
            mimetype=row.content_type,
            headers={"Cache-Control": "private, max-age=3600"},
        )

    def _review(self, items, accept: bool):
        items = items if isinstance(items, list) else [items]
        done = 0
        for item in items:
            try:
                review(item, accept, current_user.username)
                done += 1
            except ReviewError as exc:
                flash(str(exc), "warning")
        db.session.commit()
        word = "aceita(s)" if accept else "rejeitada(s)"
        flash(f"{done} leitura(s) {word}.", "success" if done else "info")
        return redirect(self._back())

    def _back(self) -> str:
        """Return the page of this view the action came from, else the list.

        FAB's ``get_redirect`` skips the page the action was run on and falls
        back to the index; the filtered list (or the detail) is where the
        reviewer wants to see the new status.
        """
        origin = urlsplit(request.referrer or "")
        if origin.netloc == request.host and origin.path.startswith(
            f"{self.route_base}/"
        ):
            return origin.path + (f"?{origin.query}" if origin.query else "")
        return url_for(f"{self.endpoint}.list")

    @action(
        "accept", "Aceitar", "Aceitar as leituras em análise selecionadas?", "fa-check"
    )
    def accept(self, items):
        """Accept the selected readings held for analysis."""
        return self._review(items, True)

    @action(
        "reject",
        "Rejeitar",
        "Rejeitar as leituras em análise selecionadas?",
        "fa-times",
    )
    def reject(self, items):
        """Reject the selected readings held for analysis."""
        return self._review(items, False)


class InvitationView(SaneaModelView):
    datamodel = SQLAInterface(Invitation)
    list_title = show_title = "Convites de autoleitura"
    add_title = edit_title = "Convite de autoleitura"
    base_permissions = ["can_list", "can_show", "can_export"]
    list_columns = ["property", "customer", "status", "sent_at", "run_id"]
    show_columns = [*list_columns, "error"]
    add_columns = edit_columns = list_columns
    search_columns = ["status", "sent_at", "run_id"]
    base_order = ("sent_at", "desc")
    formatters_columns = _formats(times=("sent_at",), blanks=("run_id", "error"))
    label_columns = {
        "property": "Imóvel",
        "customer": "Cliente",
        "status": "Situação",
        "sent_at": "Enviado em (UTC)",
        "run_id": "Execução",
        "error": "Erro",
    }


def _id_list(form, field) -> None:
    """Refuse anything but ids separated by commas (the job's own rule)."""
    text = (field.data or "").strip()
    items = [item.strip() for item in text.split(",") if item.strip()]
    if text and not (items and all(item.isdecimal() for item in items)):
        raise ValidationError(
            "Informe os ids em números separados por vírgula, como 1, 2, 3."
        )
    if any(len(item) > 9 for item in items):  # no id is that large
        raise ValidationError("Id grande demais: confira os números informados.")


def _ids_field(label: str) -> StringField:
    return StringField(
        label, validators=[_id_list], description="Ids separados por vírgula."
    )


class InvitationForm(FlaskForm):
    """The filters of an invitation run (UC2001)."""

    grupos_faturamento = _ids_field("Grupos de faturamento")
    localidades = _ids_field("Localidades")
    rotas = _ids_field("Rotas")
    somente_com_impedimento_leitura = BooleanField(
        "Só imóveis com impedimento de leitura nos últimos 6 meses"
    )
    limite = IntegerField(
        "Limite de convites",
        validators=[Optional(), NumberRange(min=1), NumberRange(
            max=1_000_000, message="Número fora do limite aceito (até 1.000.000).")]
    )


SEND_PAGE = """{% extends base_template %}
{% block content %}
<div class="panel panel-primary"><div class="panel-heading">
  <h4 class="panel-title">Enviar convites de autoleitura</h4></div>
<div class="panel-body">
  {% for message in problems %}<div class="alert alert-danger">{{ message }}</div>
  {% endfor %}
  <form method="post">
    {{ form.csrf_token }}
    {% for field in form if field.name != "csrf_token" %}
    <div class="form-group">
      {{ field.label }} {{ field(class_="form-control"
                                 if field.type != "BooleanField" else "") }}
      {% if field.description %}<p class="help-block">{{ field.description }}</p>
      {% endif %}
      {% for error in field.errors %}<p class="text-danger">{{ error }}</p>
      {% endfor %}
    </div>
    {% endfor %}
    <button type="submit" class="btn btn-primary">Enviar convites</button>
  </form>
</div></div>
{% endblock %}"""


class InvitationRunView(BaseView):
    route_base = "/autoleitura/convites"
    default_view = "send"

    @expose("/enviar/", methods=["GET", "POST"])
    @has_access
    def send(self):
        """Start a run of the invitation job and show it."""
        form, problems = InvitationForm(), []
        if form.validate_on_submit():
            params = {
                name: field.data
                for name, field in form._fields.items()
                if name != "csrf_token" and field.data not in (None, "")
            }
            try:
                run_id = start_job(INVITE, params, user=current_user.username)
            except (JobError, ValueError) as exc:  # a refused split: show why
                db.session.rollback()
                problems.append(str(exc))
            else:
                flash(f"Envio de convites iniciado (execução nº {run_id}).", "success")
                return redirect(url_for("JobRunView.show", pk=run_id))
        return render_template_string(
            SEND_PAGE,
            form=form,
            problems=problems,
            base_template=self.appbuilder.base_template,
            appbuilder=self.appbuilder,
        )


def register(appbuilder) -> None:
    """Add the screens and menus."""
    for view, name, icon in (
        (AdhesionView, "Adesões", "fa-check-square-o"),
        (SelfReadingView, "Leituras recebidas", "fa-tachometer"),
        (InvitationView, "Convites", "fa-envelope-o"),
    ):
        appbuilder.add_view(
            view, name, icon=icon, category=CATEGORY, category_label=CATEGORY
        )
    appbuilder.add_view(
        InvitationRunView,
        "Enviar convites",
        icon="fa-paper-plane",
        category=CATEGORY,
        category_label=CATEGORY,
    )
