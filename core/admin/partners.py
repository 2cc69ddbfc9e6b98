"""Admin screens of the partner API: partners, and issuing and revoking tokens.

A token's plain text appears once, on the page that answers its issue; the
database keeps only its prefix and hash. Partners and tokens are audited
models, so every issue, revocation and change lands in the audit trail.
"""

from __future__ import annotations

from datetime import UTC, datetime, time

from flask import (
    current_app,
    flash,
    make_response,
    redirect,
    render_template_string,
    url_for,
)
from flask_appbuilder import expose
from flask_appbuilder.actions import action
from flask_appbuilder.fieldwidgets import Select2Widget
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import has_access, permission_name
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import DateField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from core.admin.views import SaneaModelView
from core.extensions import db
from core.toolkits.api_models import (
    CHANNELS,
    Partner,
    PartnerToken,
    TokenRequestError,
    issue_token,
    revoke_token,
)

CATEGORY = "Parceiros"
KIND_LABELS = {
    "BOT": "Bot", "LOJA_VIRTUAL": "Loja virtual",
    "GATEWAY_PAGAMENTO": "Gateway de pagamento", "PSP_PIX": "PSP PIX",
    "REGULADOR": "Agência reguladora", "PARCEIRO": "Outro parceiro",
}


def _select(label: str, choices) -> SelectField:
    return SelectField(label, choices=list(choices), widget=Select2Widget(),
                       validators=[DataRequired()])


def _partner_form_fields() -> dict:
    return {
        "kind": _select("Tipo", KIND_LABELS.items()),
        "channel": _select("Canal padrão", [(c, c) for c in CHANNELS]),
    }


class PartnerView(SaneaModelView):
    datamodel = SQLAInterface(Partner)
    list_title = "Parceiros"
    show_title = "Parceiro"
    add_title = "Incluir parceiro"
    edit_title = "Alterar parceiro"
    list_columns = ["name", "kind", "channel", "active", "rate_limit_per_minute",
                    "technical_user", "created_at"]
    search_columns = ["name", "kind", "channel", "active"]
    add_columns = ["name", "kind", "channel", "active", "rate_limit_per_minute",
                   "technical_user"]
    edit_columns = add_columns
    show_columns = [*add_columns, "created_at"]
    label_columns = {
        "name": "Nome", "kind": "Tipo", "channel": "Canal padrão", "active": "Ativo",
        "rate_limit_per_minute": "Limite por minuto",
        "technical_user": "Usuário técnico", "created_at": "Criado em",
    }
    description_columns = {
        "active": "Um parceiro inativo recebe 403 PARCEIRO_INATIVO em toda chamada.",
        "technical_user": "Usuário registrado como autor do que o parceiro altera.",
        "rate_limit_per_minute": "Chamadas por minuto e por token.",
    }
    validators_columns = {"rate_limit_per_minute": [NumberRange(min=1)]}
    add_form_extra_fields = _partner_form_fields()
    edit_form_extra_fields = _partner_form_fields()
    # No delete: tokens and the audit trail point at the partner; deactivate it.
    base_permissions = ["can_list", "can_show", "can_add", "can_edit", "can_export"]
    base_order = ("name", "asc")


class IssueTokenForm(FlaskForm):
    """What an administrator fills to issue a token."""

    partner = SelectField("Parceiro", coerce=int, validators=[DataRequired(
        "Informe o parceiro.")])
    label = StringField("Descrição", validators=[Optional(), Length(max=80)],
                        description="Para que serve o token (ex.: produção 2027).")
    scopes = SelectMultipleField(
        "Escopos", widget=ListWidget(prefix_label=False), option_widget=CheckboxInput(),
        description="família:* concede todos os escopos da família.")
    expires_on = DateField("Válido até", validators=[Optional()],
                           description="Vazio: sem validade (revogue quando preciso).")
    allowed_ips = StringField(
        "IPs permitidos", validators=[Optional(), Length(max=500)],
        description="Opcional: endereços ou redes CIDR separados por espaço.")


ISSUE_PAGE = """{% extends base_template %}
{% block content %}
<div class="panel panel-primary"><div class="panel-heading">
  <h4 class="panel-title">Emitir token de API</h4></div>
<div class="panel-body">
  {% for message in problems %}<div class="alert alert-danger">{{ message }}</div>
  {% endfor %}
  <form method="post" id="issue-token">
    {{ form.csrf_token }}
    {% for field in [form.partner, form.label, form.scopes, form.expires_on,
                     form.allowed_ips] %}
    <div class="form-group">
      {{ field.label }}
      {% if field.name == "scopes" %}{{ field() }}
      {% else %}{{ field(class_="form-control") }}{% endif %}
      {% if field.description %}<p class="help-block">{{ field.description }}</p>
      {% endif %}
      {% for error in field.errors %}<p class="text-danger">{{ error }}</p>
      {% endfor %}
    </div>
    {% endfor %}
    <button type="submit" class="btn btn-primary">Emitir</button>
    <a class="btn btn-default" href="{{ back }}">Voltar</a>
  </form>
</div></div>
{% endblock %}"""

ISSUED_PAGE = """{% extends base_template %}
{% block content %}
<div class="panel panel-success"><div class="panel-heading">
  <h4 class="panel-title">Token emitido para {{ record.partner.name }}</h4></div>
<div class="panel-body">
  <p><strong>Copie o token agora: ele não será mostrado de novo.</strong>
     O Sanea guarda só o prefixo <code>{{ record.prefix }}</code> e um hash.</p>
  <pre id="issued-token">{{ token }}</pre>
  <p>Escopos: {{ record.scopes }}</p>
  <a class="btn btn-default" href="{{ back }}">Voltar aos tokens</a>
</div></div>
{% endblock %}"""


def _end_of_day_utc(day) -> datetime:
    """Return the last second of *day* in the company's zone, as naive UTC."""
    local = datetime.combine(day, time(23, 59, 59), current_app.extensions[
        "sanea.clock"].tz)
    return local.astimezone(UTC).replace(tzinfo=None)


def _scope_choices() -> list[tuple[str, str]]:
    registry = current_app.extensions["sanea.api"]
    families = [(f"{family}:*", f"{family}:* — todos de {family}")
                for family in registry.scope_families()]
    scopes = [(scope, f"{scope} — {text}") for scope, text in
              sorted(registry.scopes.items())]
    return families + scopes


def _prepared_form() -> IssueTokenForm:
    form = IssueTokenForm()
    partners = db.session.scalars(select(Partner).order_by(Partner.name)).all()
    form.partner.choices = [(p.id, p.name + ("" if p.active else " (inativo)"))
                            for p in partners]
    form.scopes.choices = _scope_choices()
    return form


class PartnerTokenView(SaneaModelView):
    datamodel = SQLAInterface(PartnerToken)
    list_title = "Tokens de API"
    show_title = "Token de API"
    list_columns = ["partner", "label", "prefix", "scopes", "status", "created_at",
                    "expires_at", "revoked_at", "last_used_at"]
    show_columns = ["partner", "label", "prefix", "scopes", "status", "allowed_ips",
                    "created_by", "created_at", "expires_at", "revoked_at",
                    "last_used_at"]
    search_columns = ["partner", "label", "prefix", "created_at", "expires_at",
                      "revoked_at"]
    label_columns = {
        "partner": "Parceiro", "label": "Descrição", "prefix": "Prefixo",
        "scopes": "Escopos", "status": "Situação", "allowed_ips": "IPs permitidos",
        "created_by": "Emitido por", "created_at": "Emitido em",
        "expires_at": "Expira em (UTC)", "revoked_at": "Revogado em (UTC)",
        "last_used_at": "Último uso (UTC)",
    }
    # Tokens are never edited nor deleted: issue a new one, revoke the old.
    base_permissions = ["can_list", "can_show", "can_export", "can_issue"]
    base_order = ("created_at", "desc")

    def _page(self, source: str, **context):
        return render_template_string(
            source, base_template=self.appbuilder.base_template,
            appbuilder=self.appbuilder, back=url_for(f"{self.endpoint}.list"),
            **context)

    @expose("/issue/", methods=["GET", "POST"])
    @has_access
    @permission_name("issue")
    def issue(self):
        """Show the issue form; on a valid post, show the new token once."""
        form = _prepared_form()
        problems = []
        if form.validate_on_submit():
            try:
                issued = self._issue(form)
            except TokenRequestError as exc:
                problems = exc.errors
            else:
                response = make_response(self._page(
                    ISSUED_PAGE, token=issued.token, record=issued.record))
                response.headers["Cache-Control"] = "no-store"
                return response
        return self._page(ISSUE_PAGE, form=form, problems=problems)

    @staticmethod
    def _issue(form: IssueTokenForm):
        day = form.expires_on.data
        return issue_token(
            db.session, db.session.get(Partner, form.partner.data), form.scopes.data,
            known_scopes=current_app.extensions["sanea.api"].known_scopes(),
            env=current_app.config["SANEA_API_TOKEN_ENV"],
            label=form.label.data, allowed_ips=form.allowed_ips.data,
            expires_at=_end_of_day_utc(day) if day else None,
            created_by=current_user.username,
        )

    @action("revoke", "Revogar", "Revogar os tokens selecionados? Os parceiros "
            "perdem o acesso na hora.", "fa-ban")
    def revoke(self, items):
        """Revoke the selected tokens."""
        items = items if isinstance(items, list) else [items]
        for item in items:
            if revoke_token(db.session, item):
                flash(f"Token {item.prefix} de {item.partner.name} revogado.", "info")
            else:
                flash(f"Token {item.prefix} já estava revogado.", "warning")
        return redirect(url_for(f"{self.endpoint}.list"))


def register(appbuilder) -> None:
    """Add the partner screens and menus."""
    appbuilder.add_view(PartnerView, "Parceiros", icon="fa-handshake-o",
                        category=CATEGORY, category_label=CATEGORY)
    appbuilder.add_view(PartnerTokenView, "Tokens de API", icon="fa-key",
                        category=CATEGORY, category_label=CATEGORY)
    appbuilder.add_link("Emitir token de API", href="PartnerTokenView.issue",
                        icon="fa-plus", category=CATEGORY, category_label=CATEGORY)
