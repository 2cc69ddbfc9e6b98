"""The company parameters of identification and access, with the spec's defaults."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import has_request_context, request
from sqlalchemy import select

from core.domain.parameters import Parameter, ParameterSpec
from core.extensions import db
from core.toolkits.api_platform.policy import check_policy

PLUGIN = "customer_access"
DEFAULT_POLICY = "SENHA|MATRICULA+DATA_NASCIMENTO|MATRICULA+CODIGO_EMAIL"


def _spec(key, kind, default, label, help_text, choices=(), validate=None):
    return ParameterSpec(PLUGIN, key, kind, default, label, help_text, choices,
                         validate=validate)


SPECS = [
    _spec("identification_policy", "str", DEFAULT_POLICY,
          "Política de identificação",
          "Combinações de fatores que abrem a sessão do cliente: alternativas "
          "separadas por | e fatores por + (SENHA, MATRICULA, DATA_NASCIMENTO, "
          "CODIGO_EMAIL). Um parceiro pode ter a sua própria.",
          validate=check_policy),
    _spec("identification_minutes", "int", 15, "Validade da identificação (min)",
          "Minutos para provar os fatores depois de informar o documento."),
    _spec("identification_max_failures", "int", 5, "Falhas até bloquear",
          "Fatores errados que bloqueiam a identificação e o documento."),
    _spec("identification_lock_minutes", "int", 30, "Bloqueio da identificação (min)",
          "Por quanto tempo o documento fica bloqueado após as falhas."),
    _spec("password_max_failures", "int", 5, "Senhas erradas até bloquear",
          "Senhas erradas, em password_lock_minutes, que bloqueiam o login."),
    _spec("password_lock_minutes", "int", 15, "Bloqueio da senha (min)",
          "Janela de contagem e duração do bloqueio do login."),
    _spec("session_idle_minutes", "int", 30, "Sessão do cliente: inatividade (min)",
          "A sessão expira após este tempo sem chamadas."),
    _spec("session_max_minutes", "int", 240, "Sessão do cliente: duração máxima (min)",
          "A sessão expira após este tempo, mesmo em uso."),
    _spec("code_minutes", "int", 10, "Validade do código por e-mail (min)",
          "Minutos de validade do código de 6 dígitos."),
    _spec("code_resend_seconds", "int", 60, "Intervalo de reenvio do código (s)",
          "Um novo código só pode ser pedido depois deste intervalo."),
    _spec("code_sends_per_hour", "int", 5, "Códigos por hora por cliente",
          "Acima deste número de envios em uma hora a API responde 429."),
    _spec("code_max_attempts", "int", 5, "Tentativas por código",
          "Códigos errados até o código ser anulado."),
    _spec("email_max_length", "int", 40, "Tamanho máximo do e-mail",
          "O GSAN guarda o e-mail em 40 caracteres (clie_dsemail)."),
    _spec("relation_types", "str", "user,responsible",
          "Vínculos aceitos na matrícula",
          "Vínculos cliente-imóvel que provam a matrícula: user, responsible, "
          "owner, separados por vírgula."),
]


@dataclass(frozen=True)
class AccessParams:
    """The parameters as typed values."""

    policy: str
    identification_for: timedelta
    max_failures: int
    lock_for: timedelta
    password_max_failures: int
    password_lock_for: timedelta
    session_idle_minutes: int
    session_max_minutes: int
    code_for: timedelta
    resend_after: timedelta
    sends_per_hour: int
    code_max_attempts: int
    email_max_length: int
    relation_types: tuple[str, ...]


def read_all(plugin: str, specs=()) -> dict[str, object]:
    """Return every parameter of ``plugin``: one query, kept for the request.

    Missing rows take their spec's default. Outside a request (jobs, the
    CLI) nothing is kept, so a changed parameter is read at once.
    """
    cache = request.environ.setdefault("sanea.parameters", {}) \
        if has_request_context() else {}
    if plugin not in cache:
        values = {spec.key: spec.default for spec in specs}
        rows = db.session.scalars(select(Parameter).where(Parameter.plugin == plugin))
        values.update({row.key: row.typed_value() for row in rows})
        cache[plugin] = values
    return cache[plugin]


def _get(key: str):
    return read_all(PLUGIN, SPECS)[key]


def load() -> AccessParams:
    """Read the parameters (the defaults where a row is missing)."""
    return AccessParams(
        policy=_get("identification_policy"),
        identification_for=timedelta(minutes=_get("identification_minutes")),
        max_failures=_get("identification_max_failures"),
        lock_for=timedelta(minutes=_get("identification_lock_minutes")),
        password_max_failures=_get("password_max_failures"),
        password_lock_for=timedelta(minutes=_get("password_lock_minutes")),
        session_idle_minutes=_get("session_idle_minutes"),
        session_max_minutes=_get("session_max_minutes"),
        code_for=timedelta(minutes=_get("code_minutes")),
        resend_after=timedelta(seconds=_get("code_resend_seconds")),
        sends_per_hour=_get("code_sends_per_hour"),
        code_max_attempts=_get("code_max_attempts"),
        email_max_length=_get("email_max_length"),
        relation_types=tuple(t.strip() for t in _get("relation_types").split(",")
                             if t.strip()),
    )
