"""Admin screens of the platform: each partner's limits and the call log."""

from __future__ import annotations

from flask_appbuilder.models.sqla.interface import SQLAInterface
from wtforms.validators import NumberRange, ValidationError

from core.admin.views import SaneaModelView
from core.domain.parameters import InvalidParameterValue
from core.toolkits.api_platform.limits import forget_policies
from core.toolkits.api_platform.models import CallLog, PartnerPolicy
from core.toolkits.api_platform.policy import check_policy, parse_policy

CATEGORY = "Parceiros"


def _policy_field(form, field) -> None:
    """Refuse an unusable policy; store it upper-case without spaces."""
    text = (field.data or "").strip()
    if not text:
        field.data = None  # the company's policy
        return
    try:
        check_policy(text)
    except InvalidParameterValue as exc:
        raise ValidationError(str(exc)) from exc
    field.data = "|".join("+".join(alt) for alt in parse_policy(text))


class PartnerPolicyView(SaneaModelView):
    datamodel = SQLAInterface(PartnerPolicy)
    list_title = show_title = "Limites dos parceiros"
    add_title = "Incluir limites de parceiro"
    edit_title = "Alterar limites de parceiro"
    list_columns = [
        "partner",
        "customer_rate_limit_per_minute",
        "document_attempts_per_hour",
        "identification_policy",
    ]
    add_columns = edit_columns = show_columns = list_columns
    search_columns = ["partner"]
    label_columns = {
        "partner": "Parceiro",
        "customer_rate_limit_per_minute": "Chamadas por minuto por cliente",
        "document_attempts_per_hour": "Tentativas por hora por documento",
        "identification_policy": "Política de identificação",
    }
    description_columns = {
        "identification_policy": "Alternativas separadas por | e fatores por +, ex.: "
        "SENHA|MATRICULA+DATA_NASCIMENTO. Vazio: a política da companhia.",
        "document_attempts_per_hour": "Acima disto a identificação responde 429.",
    }
    validators_columns = {
        "customer_rate_limit_per_minute": [NumberRange(min=1)],
        "document_attempts_per_hour": [NumberRange(min=1)],
        "identification_policy": [_policy_field],
    }
    base_permissions = ["can_list", "can_show", "can_add", "can_edit", "can_export"]

    def post_add(self, item):
        forget_policies()

    def post_update(self, item):
        forget_policies()


class CallLogView(SaneaModelView):
    datamodel = SQLAInterface(CallLog)
    list_title = show_title = "Chamadas da API de parceiros"
    add_title = edit_title = "Chamada da API"
    list_columns = [
        "at",
        "partner",
        "operation",
        "method",
        "status",
        "result",
        "duration_ms",
        "customer_id",
        "channel",
    ]
    show_columns = [
        *list_columns,
        "route",
        "token_prefix",
        "request_id",
        "subject_hash",
        "idempotent_replay",
    ]
    add_columns = edit_columns = list_columns
    search_columns = ["at", "partner", "operation", "status", "result", "request_id"]
    label_columns = {
        "at": "Quando (UTC)",
        "partner": "Parceiro",
        "operation": "Operação",
        "method": "Método",
        "status": "HTTP",
        "result": "Resultado",
        "duration_ms": "Duração (ms)",
        "customer_id": "Cliente",
        "channel": "Canal",
        "route": "Rota",
        "token_prefix": "Token (prefixo)",
        "request_id": "X-Request-Id",
        "subject_hash": "Documento/matrícula (hash)",
        "idempotent_replay": "Resposta repetida (idempotência)",
    }
    base_permissions = ["can_list", "can_show", "can_export"]
    base_order = ("at", "desc")


def register(appbuilder) -> None:
    """Add the screens to the Parceiros menu."""
    appbuilder.add_view(
        PartnerPolicyView,
        "Limites dos parceiros",
        icon="fa-tachometer",
        category=CATEGORY,
        category_label=CATEGORY,
    )
    appbuilder.add_view(
        CallLogView,
        "Chamadas da API",
        icon="fa-list-alt",
        category=CATEGORY,
        category_label=CATEGORY,
    )
